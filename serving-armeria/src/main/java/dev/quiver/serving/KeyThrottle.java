package dev.quiver.serving;

import dev.quiver.core.codec.Hash64;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * Per-entity-key token buckets (FR-016): each key may be read {@code rate} times per second with
 * bursts up to {@code burst}; beyond that its lookups get 429 with {@code Retry-After}.
 *
 * <p><b>One compare-and-set word per bucket, no lock (session 9).</b> A bucket is kept in the GCRA
 * form of the token bucket: its theoretical arrival time {@code tat} (the instant at which it will
 * be full again), in whole nanoseconds. A take at {@code now} with {@code t0 = max(tat, now)} is
 * allowed when {@code t0 - now <= (burst - 1) x interval} ({@code interval = 1/rate}, rounded to
 * the nanosecond) and moves {@code tat} to {@code t0 + interval}; otherwise it is refused with
 * {@code t0 - (burst - 1) x interval - now} nanoseconds to wait, and nothing changes. This is the
 * token bucket with {@code tokens = burst - (tat - now) / interval}; a bucket whose {@code tat} is
 * past is full, exactly like a bucket that does not exist. Until session 9 the buckets sat in 16
 * striped tables under monitors, and an event loop preempted while holding one stalled every other
 * loop that needed the stripe (JFR: blocked 1-8 ms, docs/serving.md "Session 9").
 *
 * <p><b>Layout.</b> An open-addressing table (linear probing) in one {@link AtomicLongArray}: slot
 * {@code i} is the key hash at {@code 2i} (0 = empty; a slot's key is set once, by a
 * compare-and-set from 0) and the bucket's state word at {@code 2i + 1}. No object per bucket and
 * no references: a young collection neither copies nor scans the table. A take probes for its key
 * (claiming an empty slot when absent) and updates the state word by compare-and-set, retrying when
 * another thread changed it first. A caller that is preempted holds nothing the others wait for.
 *
 * <p><b>Forgetting: generations instead of removal.</b> Slots are never emptied. When a table's
 * claimed slots reach a quarter of its capacity, a new table replaces it and the old one becomes
 * the new one's {@code previous}: each take then moves a batch of the old table's slots (a bucket
 * that is not yet full is copied, a full one is dropped; either way the old slot is frozen by
 * setting its state word's low bit, so that a late take on it fails its compare-and-set and retries
 * on the new table), and a take that finds its key's slot in the new table unset copies the key's
 * bucket from the old one itself (the same freeze). When every old slot is frozen the old table is
 * let go; the next replacement waits for that. A new table doubles when the previous one carried
 * many live buckets over, up to {@code maxBuckets x 4} slots; beyond that, live buckets that do not
 * fit are dropped (they restart full), as a size-bounded cache evicts. Answers are otherwise
 * exactly those of buckets that are never forgotten ({@code KeyThrottleTest} compares them).
 *
 * <p><b>Key identity is a 64-bit hash</b> ({@link #hash}) of the key's parts, seeded per instance
 * with a random value: two different keys share a bucket only if their hashes collide, with a
 * probability of about {@code n² / 2⁶⁵} for {@code n} live buckets (~10⁻⁹ at the default bound of
 * 200,000) and unpredictable from outside (the seed is never exposed).
 *
 * <p>Thread-safe and lock-free.
 */
final class KeyThrottle {
  static final int DEFAULT_MAX_BUCKETS = 200_000;

  /** Old-table slots one take moves while a replacement is under way. */
  static final int MIGRATE_BATCH = 64;

  /** 8,192 slots: 128 KB, small enough to stay in a core's L2 cache while few keys are live. */
  private static final int MIN_CAPACITY = 8192;

  /**
   * A bucket full for less than this at the mover's clock is still carried over: callers' clocks
   * ({@code nowNanos}) may lag a little behind the mover's.
   */
  private static final long CARRY_SLACK_NANOS = 100_000_000L;

  /** State word of a slot whose key was claimed but whose bucket is not set yet. */
  private static final long UNSET = 0;

  /** Low bit: the slot was frozen (moved to a newer table). */
  private static final long FROZEN = 1;

  /** Key of a slot that was empty when its table was replaced. */
  private static final long MOVED = Long.MIN_VALUE;

  /** A full bucket (its tat long past). */
  private static final long FULL = encodeRel(-(1L << 60));

  private final long intervalNanos;
  private final long toleranceNanos;
  private final boolean enabled;
  private final int maxCapacity;
  private final long base = System.nanoTime();
  private final long seed = ThreadLocalRandom.current().nextLong() | 1;
  private volatile Table current;

  KeyThrottle(double ratePerSecond, int burst) {
    this(ratePerSecond, burst, DEFAULT_MAX_BUCKETS);
  }

  KeyThrottle(double ratePerSecond, int burst, int maxBuckets) {
    this.enabled = ratePerSecond > 0;
    this.intervalNanos = enabled ? Math.max(1, Math.round(1e9 / ratePerSecond)) : 1;
    this.toleranceNanos = (Math.max(1, burst) - 1) * intervalNanos;
    this.maxCapacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, maxBuckets)) * 8);
    this.current = new Table(MIN_CAPACITY);
  }

  /** The time an empty bucket takes to fill up, rounded up to whole seconds (at least 1 s). */
  static Duration refillTime(double ratePerSecond, int burst) {
    if (ratePerSecond <= 0) {
      return Duration.ofSeconds(1);
    }
    return Duration.ofSeconds(Math.max(1, (long) Math.ceil(burst / ratePerSecond)));
  }

  boolean enabled() {
    return enabled;
  }

  /** The emission interval (1 / rate) in nanoseconds, as the buckets use it (for tests). */
  long intervalNanos() {
    return intervalNanos;
  }

  /** Buckets not yet full at {@code nowNanos}, in the live tables (for tests). */
  int size(long nowNanos) {
    Table t = current;
    int n = t.live(this, nowNanos);
    Table p = t.previous;
    return p == null ? n : n + p.live(this, nowNanos);
  }

  /** Slots allocated in the live tables (for tests: memory stays bounded). */
  int slots() {
    Table t = current;
    Table p = t.previous;
    return t.capacity + (p == null ? 0 : p.capacity);
  }

  /** The bucket identity of {@code key} (see {@link #hash(long, Object)}). */
  long hash(Object key) {
    return finish(hash(seed, key));
  }

  /**
   * The bucket identity of an entity key of {@code entity} in {@code namespace}: {@code values},
   * the join-key values (Strings, integral numbers, ...), in the entity's order. Allocation-free.
   */
  long hash(String namespace, String entity, List<Object> values) {
    long h = hash(seed, namespace);
    h = hash(h, entity);
    for (int i = 0; i < values.size(); i++) {
      h = hash(h, values.get(i));
    }
    return finish(h);
  }

  /** Takes one token for {@code key} (hashed with {@link #hash(Object)}). */
  long tryAcquire(Object key, long nowNanos) {
    return tryAcquire(hash(key), nowNanos);
  }

  /**
   * Takes one token for the bucket {@code keyHash}.
   *
   * @param keyHash from {@link #hash(String, String, List)} or {@link #hash(Object)} of this
   *     instance
   * @param nowNanos {@link System#nanoTime()} of the caller; calls may come from several threads
   *     with slightly unordered times
   * @return 0 when allowed, else the nanoseconds until a token is available
   */
  long tryAcquire(long keyHash, long nowNanos) {
    // 0 marks an empty slot, MOVED one that was empty when its table was replaced
    long k = keyHash == 0 || keyHash == MOVED ? 1 : keyHash;
    long now = nowNanos - base;
    while (true) {
      Table t = current;
      Table p = t.previous;
      if (p != null) {
        migrateSome(t, p, now);
      }
      // While the old table is being moved, claims may go past the limit rather than wait for it.
      int i = t.findOrClaim(k, p == null ? t.limit : t.capacity / 2);
      if (i < 0) {
        replace(t, now);
        continue;
      }
      int at = 2 * i + 1;
      long s = t.slots.get(at);
      if (s == UNSET) {
        // New in this table: the bucket is the old table's, if it has one (frozen there first).
        long v = p == null ? FULL : p.freeze(k);
        t.slots.compareAndSet(at, UNSET, v);
        continue;
      }
      if ((s & FROZEN) != 0) {
        continue; // t was replaced and this slot moved on: retry on the current table
      }
      long tat0 = Math.max(decodeRel(s), now);
      long wait = tat0 - toleranceNanos - now;
      if (wait > 0) {
        return wait; // refused: the bucket does not change
      }
      if (t.slots.compareAndSet(at, s, encodeRel(tat0 + intervalNanos))) {
        return 0;
      }
    }
  }

  /**
   * Gives back one token that {@link #tryAcquire(long, long)} took for {@code keyHash}: a request
   * refused for another of its keys must not cost the keys taken before it. Takes add one interval
   * to the bucket's time each, so taking one back commutes with concurrent takes. Best effort: a
   * bucket moved to a newer table since keeps the token (a table replacement is rare).
   */
  void refund(long keyHash) {
    long k = keyHash == 0 || keyHash == MOVED ? 1 : keyHash;
    Table t = current;
    int i = t.find(k);
    if (i < 0) {
      return;
    }
    int at = 2 * i + 1;
    while (true) {
      long s = t.slots.get(at);
      if (s == UNSET || (s & FROZEN) != 0) {
        return;
      }
      if (t.slots.compareAndSet(at, s, encodeRel(decodeRel(s) - intervalNanos))) {
        return;
      }
    }
  }

  /** Makes a new current table in place of {@code t} (full), once t's own predecessor is gone. */
  private void replace(Table t, long now) {
    Table p = t.previous;
    while (p != null && current == t) {
      migrateSome(t, p, now);
      p = t.previous;
      Thread.onSpinWait(); // (only when the other threads' last batches are still under way)
    }
    if (current != t) {
      return;
    }
    int cap = t.capacity;
    if (t.carried.get() > t.capacity / 8 && cap < maxCapacity) {
      cap *= 2; // many buckets outlived a generation: the live set is large, grow
    }
    Table n = new Table(cap);
    n.previous = t;
    CURRENT.compareAndSet(this, t, n);
  }

  /** Moves one batch of {@code p}'s slots into {@code t}; the last batch lets p go. */
  private void migrateSome(Table t, Table p, long now) {
    int from = p.cursor.getAndAdd(MIGRATE_BATCH);
    if (from >= p.capacity) {
      return;
    }
    int to = Math.min(p.capacity, from + MIGRATE_BATCH);
    for (int i = from; i < to; i++) {
      long k = p.slots.get(2 * i);
      if (k == 0) {
        if (p.slots.compareAndSet(2 * i, 0, MOVED)) {
          continue; // no late claim here: a take that finds no room retries on the new table
        }
        k = p.slots.get(2 * i);
      }
      long s;
      do {
        s = p.slots.get(2 * i + 1);
        if ((s & FROZEN) != 0) {
          break;
        }
      } while (!p.slots.compareAndSet(2 * i + 1, s, s | FROZEN));
      // Carry over a bucket that is not full (with some slack for callers whose clocks are a little
      // behind this one's); a full one is the same as none.
      if ((s & FROZEN) == 0 && s != UNSET && decodeRel(s) > now - CARRY_SLACK_NANOS) {
        // At the largest size, carry at most an eighth (the rest restart full, as a bounded cache
        // evicts), so that a generation still has room for new keys; below it, up to 7/8 (the
        // next table then doubles).
        int carryMax = t.capacity >= maxCapacity ? t.capacity / 8 : t.capacity - t.capacity / 8;
        int j = t.findOrClaim(k, carryMax);
        if (j >= 0 && t.slots.compareAndSet(2 * j + 1, UNSET, s)) {
          t.carried.incrementAndGet();
        }
      }
    }
    if (p.done.addAndGet(to - from) >= p.capacity) {
      t.previous = null;
    }
  }

  private static long encodeRel(long tat) {
    return (tat << 2) | 2; // bit 1 set: never UNSET; bit 0: FROZEN
  }

  private static long decodeRel(long state) {
    return state >> 2;
  }

  private static final AtomicReferenceFieldUpdater<KeyThrottle, Table> CURRENT =
      AtomicReferenceFieldUpdater.newUpdater(KeyThrottle.class, Table.class, "current");

  /** One generation of buckets: key hash and state word side by side. */
  private static final class Table {
    final int capacity;
    final int mask;
    final int limit;
    final AtomicLongArray slots;
    final AtomicInteger claimed = new AtomicInteger();
    final AtomicInteger carried = new AtomicInteger();
    final AtomicInteger cursor = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    volatile Table previous;

    Table(int capacity) {
      this.capacity = capacity;
      this.mask = capacity - 1;
      this.limit = capacity / 4;
      this.slots = new AtomicLongArray(2 * capacity);
    }

    /** The first slot of {@code k}'s probe run. */
    private int home(long k) {
      return (int) (k ^ (k >>> 29)) & mask;
    }

    /** The slot of {@code k}, claimed if absent while fewer than {@code max} are; else -1. */
    int findOrClaim(long k, int max) {
      int i = home(k);
      for (int n = 0; n < capacity; n++, i = (i + 1) & mask) {
        long at = slots.get(2 * i);
        if (at == 0) {
          if (claimed.get() >= max) {
            return -1;
          }
          if (slots.compareAndSet(2 * i, 0, k)) {
            claimed.incrementAndGet();
            return i;
          }
          at = slots.get(2 * i);
        }
        if (at == k) {
          return i;
        }
        if (at == MOVED) {
          return -1; // this table was replaced (only replaced tables hold MOVED): retry on current
        }
      }
      return -1;
    }

    /** The slot of {@code k} here, or -1 (nothing is claimed). */
    int find(long k) {
      int i = home(k);
      for (int n = 0; n < capacity; n++, i = (i + 1) & mask) {
        long at = slots.get(2 * i);
        if (at == k) {
          return i;
        }
        if (at == 0 || at == MOVED) {
          return -1; // the end of k's probe run (see freeze)
        }
      }
      return -1;
    }

    /** Freezes {@code k}'s bucket here (if any) and returns its state, unfrozen; FULL if none. */
    long freeze(long k) {
      int i = home(k);
      for (int n = 0; n < capacity; n++, i = (i + 1) & mask) {
        long at = slots.get(2 * i);
        if (at == 0 || at == MOVED) {
          // The end of k's probe run: a key is placed before the first slot that was empty when it
          // was placed, and an empty slot only ever becomes MOVED.
          return FULL;
        }
        if (at == k) {
          while (true) {
            long s = slots.get(2 * i + 1);
            if ((s & FROZEN) != 0) {
              return s == (UNSET | FROZEN) ? FULL : s & ~FROZEN;
            }
            if (slots.compareAndSet(2 * i + 1, s, s | FROZEN)) {
              return s == UNSET ? FULL : s;
            }
          }
        }
      }
      return FULL;
    }

    int live(KeyThrottle owner, long nowNanos) {
      long now = nowNanos - owner.base;
      int n = 0;
      for (int i = 0; i < capacity; i++) {
        long s = slots.get(2 * i + 1);
        if (slots.get(2 * i) != 0 && s != UNSET && (s & FROZEN) == 0 && decodeRel(s) > now) {
          n++;
        }
      }
      return n;
    }
  }

  // --- the key hash: FNV-1a style over the parts' contents, tagged by kind, then fmix64.

  private static final long PRIME = Hash64.FNV_PRIME;

  private static long hash(long h, Object part) {
    if (part instanceof String str) {
      h = (h ^ 1) * PRIME;
      for (int i = 0; i < str.length(); i++) {
        h = (h ^ str.charAt(i)) * PRIME;
      }
      return (h ^ str.length()) * PRIME; // the length ends the part: ("ab","c") != ("a","bc")
    }
    if (part instanceof Long || part instanceof Integer || part instanceof Short) {
      long v = ((Number) part).longValue();
      h = (h ^ 2) * PRIME;
      for (int b = 0; b < 64; b += 16) {
        h = (h ^ ((v >>> b) & 0xFFFF)) * PRIME;
      }
      return h;
    }
    if (part instanceof List<?> list) {
      h = (h ^ 3) * PRIME;
      for (Object o : list) {
        h = hash(h, o);
      }
      return (h ^ list.size()) * PRIME;
    }
    if (part instanceof byte[] bytes) {
      // a BYTES join key by its bytes (its text, "[B@1b2c3d", differed for every request: each
      // got a full bucket of its own)
      h = (h ^ 5) * PRIME;
      for (byte b : bytes) {
        h = (h ^ (b & 0xFF)) * PRIME;
      }
      return (h ^ bytes.length) * PRIME;
    }
    // Anything else by its class and text (join-key values are strings and integers).
    h = hash((h ^ 4) * PRIME, part == null ? "null" : part.getClass().getName());
    return hash(h, String.valueOf(part));
  }

  private static long finish(long h) {
    return Hash64.fmix64(h);
  }
}
