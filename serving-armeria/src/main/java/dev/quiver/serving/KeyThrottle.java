package dev.quiver.serving;

import dev.quiver.core.codec.Hash64;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-entity-key token buckets (FR-016): each key may be read {@code rate} times per second with
 * bursts up to {@code burst}; beyond that its lookups get 429 with {@code Retry-After}. A bucket is
 * forgotten once it has been idle long enough to be full again ({@code burst / rate} seconds,
 * rounded up, at least one): a new bucket starts full, so forgetting a full one changes no answer,
 * and far fewer buckets are alive at once.
 *
 * <p><b>Layout (session 7): no object per bucket.</b> Buckets live in {@link #STRIPES} open
 * addressing tables of primitive arrays (key hash, tokens, last update), each guarded by its own
 * monitor. Until session 6 every bucket was a map node, a bucket object and the request's key
 * objects (namespace, entity and key value strings, a list, a key record): ~270 bytes in ~9 objects
 * per key read in the last refill time, 5 MB of survivors that each young GC of a lookup server at
 * 10k lookups/s had to copy (docs/serving.md, "Session 7"). The arrays are allocated once (they
 * grow, never shrink) and hold no references, so a young collection neither copies nor scans them.
 *
 * <p><b>Key identity is a 64-bit hash</b> ({@link #hash}) of the key's parts, seeded per instance
 * with a random value: two different keys share a bucket only if their hashes collide, with a
 * probability of about {@code n² / 2⁶⁵} for {@code n} live buckets (~10⁻⁹ at the default bound of
 * 200,000) and unpredictable from outside (the seed is never exposed). Answers are otherwise
 * exactly those of buckets that are never forgotten ({@code KeyThrottleTest} compares them).
 *
 * <p>Sweeps: passes at most one {@link #SWEEP_INTERVAL} apart; while a pass is under way, each
 * caller that finds it free examines the next {@link #SWEEP_BATCH} buckets (amortized: one pass
 * over the live buckets per interval, and no caller held for more than a batch). Above {@code
 * maxBuckets} live buckets (a key space larger than the rate times the refill time), the next pass
 * also drops arbitrary buckets until the bound holds, as a size-bounded cache evicts; those keys
 * restart full.
 *
 * <p>Thread-safe: a take and a sweep step lock one stripe; a bucket is created, taken from and
 * removed under its stripe's monitor, so a take racing a sweep sees either the old bucket or none
 * (a new, full one).
 */
final class KeyThrottle {
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
  static final int DEFAULT_MAX_BUCKETS = 200_000;

  /** Buckets one caller examines per sweep step. */
  static final int SWEEP_BATCH = 64;

  /** Empty slots one sweep step may pass over besides its buckets (tables never shrink). */
  private static final int SWEEP_MAX_SLOTS = 1024;

  /** Independent tables (and locks): 4 event loops rarely meet on one. */
  static final int STRIPES = 16;

  private final double ratePerNano;
  private final double burst;
  private final long idleNanos;
  private final long sweepIntervalNanos;
  private final int maxBuckets;
  private final long seed = ThreadLocalRandom.current().nextLong() | 1;
  private final Stripe[] stripes = new Stripe[STRIPES];
  private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);
  private final AtomicBoolean sweeping = new AtomicBoolean();
  // The pass under way (guarded by sweeping): where it is, and how many buckets it must still drop
  // to get back under maxBuckets.
  private boolean inPass;
  private int sweepStripe;
  private int sweepSlot;
  private int sweepOver;

  KeyThrottle(double ratePerSecond, int burst) {
    this(ratePerSecond, burst, DEFAULT_MAX_BUCKETS);
  }

  KeyThrottle(double ratePerSecond, int burst, int maxBuckets) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.idleNanos = refillTime(ratePerSecond, burst).toNanos();
    this.sweepIntervalNanos = Math.min(SWEEP_INTERVAL.toNanos(), idleNanos);
    this.maxBuckets = maxBuckets;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  /** The time an empty bucket takes to fill up, rounded up to whole seconds (at least 1 s). */
  static Duration refillTime(double ratePerSecond, int burst) {
    if (ratePerSecond <= 0) {
      return Duration.ofSeconds(1);
    }
    return Duration.ofSeconds(Math.max(1, (long) Math.ceil(burst / ratePerSecond)));
  }

  boolean enabled() {
    return ratePerNano > 0;
  }

  /** Live buckets (for tests). */
  int size() {
    int n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += s.size;
      }
    }
    return n;
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
    long due = nextSweep.get();
    if (due == Long.MIN_VALUE) {
      nextSweep.compareAndSet(Long.MIN_VALUE, nowNanos + sweepIntervalNanos);
    } else if (nowNanos - due >= 0 && sweeping.compareAndSet(false, true)) {
      try {
        sweepSome(nowNanos);
      } finally {
        sweeping.set(false);
      }
    }
    long k = keyHash == 0 ? 1 : keyHash; // 0 marks an empty slot
    Stripe s = stripes[(int) (k >>> 60) & (STRIPES - 1)];
    synchronized (s) {
      int i = s.find(k);
      double tokens;
      if (i < 0) {
        i = s.insert(k);
        tokens = burst; // a new bucket is full
      } else {
        tokens = Math.min(burst, s.tokens[i] + (nowNanos - s.updated[i]) * ratePerNano);
      }
      s.updated[i] = nowNanos;
      if (tokens >= 1) {
        s.tokens[i] = tokens - 1;
        return 0;
      }
      s.tokens[i] = tokens;
      return (long) Math.ceil((1 - tokens) / ratePerNano);
    }
  }

  /**
   * One step of the sweep (the caller holds {@link #sweeping}): at most {@link #SWEEP_BATCH}
   * buckets (and {@link #SWEEP_MAX_SLOTS} empty slots), one stripe locked at a time, so that no
   * caller is held for a pass over all of them; a pass ends after the last stripe, and the next one
   * is due an interval later. Forgets buckets idle for the refill time (full again), then any
   * beyond the size bound.
   */
  private void sweepSome(long nowNanos) {
    if (!inPass) {
      inPass = true;
      sweepStripe = 0;
      sweepSlot = 0;
      sweepOver = size() - maxBuckets;
    }
    int seen = 0;
    int slots = 0;
    while (sweepStripe < STRIPES && seen < SWEEP_BATCH && slots < SWEEP_MAX_SLOTS) {
      Stripe s = stripes[sweepStripe];
      synchronized (s) {
        while (sweepSlot < s.keys.length && seen < SWEEP_BATCH && slots < SWEEP_MAX_SLOTS) {
          int i = sweepSlot;
          if (s.keys[i] == 0) {
            sweepSlot++;
            slots++;
            continue;
          }
          seen++;
          // Idle for the refill time and full again by the bucket's own arithmetic (the refill
          // time is rounded, and rate x time in floating point may fall a hair short of the burst).
          boolean full =
              nowNanos - s.updated[i] >= idleNanos
                  && s.tokens[i] + (nowNanos - s.updated[i]) * ratePerNano >= burst;
          if (full || sweepOver > 0) {
            // A later bucket may move into slot i: it is examined next (one that wraps around from
            // the table's start to its end may be examined twice, which is harmless).
            s.remove(i);
            sweepOver--;
          } else {
            sweepSlot++;
          }
        }
        if (sweepSlot >= s.keys.length) {
          sweepStripe++;
          sweepSlot = 0;
        }
      }
    }
    if (sweepStripe == STRIPES) {
      inPass = false;
      nextSweep.set(nowNanos + sweepIntervalNanos);
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
    // Anything else by its class and text (join-key values are strings and integers).
    h = hash((h ^ 4) * PRIME, part == null ? "null" : part.getClass().getName());
    return hash(h, String.valueOf(part));
  }

  private static long finish(long h) {
    return Hash64.fmix64(h);
  }

  /**
   * One open-addressing table (linear probing, backward-shift deletion) of buckets: key hash (0 =
   * empty), tokens, last update. Guarded by its own monitor.
   */
  private static final class Stripe {
    long[] keys = new long[64];
    double[] tokens = new double[64];
    long[] updated = new long[64];
    int size;

    private int slot(long k) {
      return (int) (k ^ (k >>> 29)) & (keys.length - 1);
    }

    /** The slot of {@code k}, or -1. */
    int find(long k) {
      int mask = keys.length - 1;
      for (int i = slot(k); ; i = (i + 1) & mask) {
        long at = keys[i];
        if (at == k) {
          return i;
        }
        if (at == 0) {
          return -1;
        }
      }
    }

    /** Adds {@code k} (absent) and returns its slot; tokens and time are the caller's to set. */
    int insert(long k) {
      if ((size + 1) * 2 > keys.length) {
        grow();
      }
      int mask = keys.length - 1;
      int i = slot(k);
      while (keys[i] != 0) {
        i = (i + 1) & mask;
      }
      keys[i] = k;
      size++;
      return i;
    }

    private void grow() {
      long[] oldKeys = keys;
      double[] oldTokens = tokens;
      long[] oldUpdated = updated;
      keys = new long[oldKeys.length * 2];
      tokens = new double[keys.length];
      updated = new long[keys.length];
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldKeys[j] != 0) {
          int i = slot(oldKeys[j]);
          while (keys[i] != 0) {
            i = (i + 1) & mask;
          }
          keys[i] = oldKeys[j];
          tokens[i] = oldTokens[j];
          updated[i] = oldUpdated[j];
        }
      }
    }

    /** Empties slot {@code i}, moving later buckets of its probe run back (no tombstones). */
    void remove(int i) {
      int mask = keys.length - 1;
      int hole = i;
      for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
        int home = slot(keys[j]);
        // j's bucket may fill the hole unless its home lies cyclically in (hole, j].
        boolean homeInRange = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!homeInRange) {
          keys[hole] = keys[j];
          tokens[hole] = tokens[j];
          updated[hole] = updated[j];
          hole = j;
        }
      }
      keys[hole] = 0;
      size--;
    }
  }
}
