package dev.quiver.core.codec;

/**
 * The 64-bit hashing steps Quiver's modules share: FNV-1a (offset basis, prime, one step) and
 * murmur3's 64-bit finalizer. Used where a stable, allocation-free 64-bit hash of a few fields is
 * needed on a hot path: tile bundles' series-name hashes (persisted: these constants must never
 * change), the training-set sweep's grouping keys, the lookup server's token-bucket identities.
 */
public final class Hash64 {
  /** FNV-1a's 64-bit offset basis. */
  public static final long FNV_OFFSET = 0xcbf29ce484222325L;

  /** FNV-1a's 64-bit prime. */
  public static final long FNV_PRIME = 0x100000001b3L;

  private Hash64() {}

  /** One FNV-1a step: {@code (h ^ v) * FNV_PRIME}. */
  public static long step(long h, long v) {
    return (h ^ v) * FNV_PRIME;
  }

  /** 64-bit FNV-1a of {@code b[from, to)} (bytes as unsigned), without a finalizer. */
  public static long fnv1a(byte[] b, int from, int to) {
    long h = FNV_OFFSET;
    for (int i = from; i < to; i++) {
      h = step(h, b[i] & 0xFF);
    }
    return h;
  }

  /** murmur3's 64-bit finalizer: spreads low-entropy bits (FNV's) over the whole word. */
  public static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
