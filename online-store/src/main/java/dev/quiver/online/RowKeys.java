package dev.quiver.online;

import java.nio.charset.StandardCharsets;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * Salted row keys: two bytes of the 128-bit MurmurHash3 of the encoded entity key, then the encoded
 * entity key. The salt spreads neighbouring keys (sequential ids) over the whole key space, so that
 * HBase regions pre-split on the first byte share the load; it is a pure function of the entity
 * key, so a point read needs no fan-out.
 */
public final class RowKeys {
  /** Salt length in bytes. */
  public static final int SALT_BYTES = 2;

  private static final long SEED = 0x5157_4552L; // "QVER"

  private RowKeys() {}

  /** The 64-bit hash of an encoded entity key whose top bytes are the salt. */
  public static long hash(byte[] entityKey) {
    return MurmurHash3.hash(entityKey, SEED)[0];
  }

  /** {@code salt(entityKey) ++ entityKey}. */
  public static byte[] rowKey(byte[] entityKey) {
    long h = hash(entityKey);
    byte[] out = new byte[SALT_BYTES + entityKey.length];
    out[0] = (byte) (h >>> 56);
    out[1] = (byte) (h >>> 48);
    System.arraycopy(entityKey, 0, out, SALT_BYTES, entityKey.length);
    return out;
  }

  /** The UTF-8 bytes of a qualifier. */
  public static byte[] qualifierBytes(String qualifier) {
    return qualifier.getBytes(StandardCharsets.UTF_8);
  }
}
