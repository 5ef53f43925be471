package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;

/**
 * The values last read from the online store, one entry per {@link ReadKey} (view version,
 * features, key; reads of now only), serving both as the near cache and as last-known-good:
 *
 * <ul>
 *   <li>near cache (FR-016): an entry read less than the view's max staleness ago answers a lookup
 *       without a store read;
 *   <li>last-known-good: when the store is slow, down or the breaker is open, an entry of any age
 *       answers the lookup as {@code STALE}, with the values' true event times.
 * </ul>
 *
 * <p>One structure instead of two halves the cache work of a read: a lookup probes once (the probe
 * is both the near-cache check and the handle that a successful read updates), and an entry whose
 * values did not change is only re-stamped with its read time, a field write: no cache write, no
 * expiry bookkeeping, and no new object referenced from the old generation (replacing unchanged
 * values on every read made young GC pauses long, see docs/serving.md). Changed values are stored
 * into the entry in place. Bounded by size (Caffeine's W-TinyLFU), not by time: staleness is
 * checked at read time against the entry's read time.
 *
 * <p>Thread-safe. Entries are updated without locking: a read that started before the entry's last
 * update is ignored, and two reads of one key finishing at the same moment may leave either one's
 * values (as racing cache puts would).
 */
final class KeyCache {
  private final Cache<ReadKey, Entry> entries;

  /** Values of one key and when the read that produced them started. */
  static final class Entry {
    // Written values first, then readAtNanos: a reader that sees a fresh readAtNanos sees values
    // at least as new as that read's.
    private volatile FeatureValue[] values;
    private volatile long readAtNanos;

    Entry(FeatureValue[] values, long readAtNanos) {
      this.values = values;
      this.readAtNanos = readAtNanos;
    }

    /** The values, aligned with the key's features (null = no current value); never null. */
    FeatureValue[] values() {
      return values;
    }

    /** Whether these values were read less than {@code maxStalenessNanos} before {@code now}. */
    boolean freshAt(long nowNanos, long maxStalenessNanos) {
      return nowNanos - readAtNanos < maxStalenessNanos;
    }
  }

  KeyCache(long maxEntries) {
    this.entries =
        Caffeine.newBuilder()
            .maximumSize(Math.max(0, maxEntries))
            // Amortized maintenance on the caller: a hand-off to the common pool per write costs
            // more CPU than the cleanup itself.
            .executor(Runnable::run)
            .build();
  }

  /** The entry of {@code k}, recording the access for the eviction policy; null if none. */
  Entry get(ReadKey k) {
    return entries.getIfPresent(k);
  }

  /** Like {@link #get} without recording an access (probes that serve no lookup). */
  Entry getQuietly(ReadKey k) {
    return entries.policy().getIfPresentQuietly(k);
  }

  /**
   * Records {@code values} as read by a read of {@code k} that started at {@code readAtNanos}.
   *
   * @param known the entry a probe of {@code k} found before the read, or null: then the entry is
   *     looked up (another read may have created it meanwhile) or created
   * @param values never null; not copied (callers hand over arrays they no longer modify)
   */
  void record(ReadKey k, Entry known, FeatureValue[] values, long readAtNanos) {
    Entry e = known != null ? known : entries.policy().getIfPresentQuietly(k);
    if (e == null) {
      entries.put(k, new Entry(values, readAtNanos));
      return;
    }
    if (readAtNanos - e.readAtNanos < 0) {
      return; // a newer read already updated it
    }
    // Values compare as records; an embedding's float[] compares by identity, so those entries are
    // simply replaced.
    if (!Arrays.equals(e.values, values)) {
      e.values = values;
    }
    e.readAtNanos = readAtNanos;
  }
}
