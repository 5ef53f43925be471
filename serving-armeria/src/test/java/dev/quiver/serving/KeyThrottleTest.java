package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyThrottle} against plain references kept forever in a HashMap (a new bucket full): the
 * same token bucket in its GCRA form (one theoretical arrival time per key, whole nanoseconds),
 * which must give exactly the same answers (forgetting and lock-free concurrency must change none),
 * and the textbook token bucket (tokens and last update as doubles), which must agree up to
 * rounding.
 */
class KeyThrottleTest {
  /** The reference: GCRA arithmetic on a never-forgotten theoretical arrival time per key. */
  static final class Reference {
    final long interval;
    final long tolerance;
    final Map<Object, Long> tat = new HashMap<>();

    Reference(long intervalNanos, int burst) {
      this.interval = intervalNanos;
      this.tolerance = (burst - 1) * intervalNanos;
    }

    Reference(KeyThrottle t, int burst) {
      this(t.intervalNanos(), burst);
    }

    long tryAcquire(Object key, long now) {
      long t0 = Math.max(tat.getOrDefault(key, now), now);
      if (t0 - now > tolerance) {
        return t0 - tolerance - now;
      }
      tat.put(key, t0 + interval);
      return 0;
    }
  }

  /** The textbook token bucket: tokens refilled continuously, in doubles. */
  static final class TokenBucket {
    final double ratePerNano;
    final double burst;
    final Map<Object, double[]> buckets = new HashMap<>(); // {tokens, updated}

    TokenBucket(double ratePerSecond, int burst) {
      this.ratePerNano = ratePerSecond / 1e9;
      this.burst = burst;
    }

    long tryAcquire(Object key, long now) {
      double[] b = buckets.computeIfAbsent(key, k -> new double[] {burst, now});
      double tokens = Math.min(burst, b[0] + (now - b[1]) * ratePerNano);
      b[1] = now;
      if (tokens >= 1) {
        b[0] = tokens - 1;
        return 0;
      }
      b[0] = tokens;
      return (long) Math.ceil((1 - tokens) / ratePerNano);
    }
  }

  @Test
  void theGcraReferenceIsTheTokenBucket() {
    // Same answers up to rounding: refusals agree except within a few ns of the boundary, waits
    // agree within a few ns. Rates that divide 1e9 exactly, so the interval is not rounded.
    Random rnd = new Random(3);
    int[] rates = {1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 1000};
    int compared = 0;
    int refused = 0;
    for (int scenario = 0; scenario < 40; scenario++) {
      int rate = rates[rnd.nextInt(rates.length)];
      int burst = 1 + rnd.nextInt(8);
      Reference gcra = new Reference(1_000_000_000L / rate, burst);
      TokenBucket tb = new TokenBucket(rate, burst);
      long now = 0;
      for (int i = 0; i < 5_000; i++) {
        now += rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt((int) (500_000_000L / rate));
        Object key = "k" + rnd.nextInt(5);
        long a = gcra.tryAcquire(key, now);
        long b = tb.tryAcquire(key, now);
        if ((a == 0) != (b == 0)) {
          // Only at the boundary: the refusing one must be within a few ns of allowing.
          assertThat(Math.max(a, b)).as("scenario %d step %d", scenario, i).isLessThan(5);
          // Resynchronise: the two states now differ by one token, start both afresh.
          gcra.tat.clear();
          tb.buckets.clear();
          continue;
        }
        assertThat(Math.abs(a - b)).as("scenario %d step %d", scenario, i).isLessThan(5);
        compared++;
        refused += a > 0 ? 1 : 0;
      }
    }
    assertThat(compared).isGreaterThan(150_000);
    assertThat(refused).isGreaterThan(10_000);
  }

  @Test
  void answersLikeBucketsThatAreNeverForgotten() {
    Random rnd = new Random(7);
    int refused = 0;
    int scenariosWithRefusals = 0;
    for (int scenario = 0; scenario < 40; scenario++) {
      double rate = 1 + rnd.nextInt(50);
      int burst = 1 + rnd.nextInt(8);
      KeyThrottle t = new KeyThrottle(rate, burst);
      Reference ref = new Reference(t, burst);
      long now = 1_000_000_000L * rnd.nextInt(1000) - 500_000_000_000L; // nanoTime may be < 0
      int keys = 1 + rnd.nextInt(30);
      int refusedBefore = refused;
      for (int i = 0; i < 20_000; i++) {
        // Adversarial times: bursts at the same instant, small steps, gaps around the refill time
        // (where a sweep forgets buckets), long idle periods.
        switch (rnd.nextInt(6)) {
          case 0 -> {} // same timestamp
          case 1, 2 -> now += rnd.nextInt(2_000_000);
          case 3 -> now += (long) (rnd.nextInt(200_000_000) / rate * burst);
          case 4 -> now += KeyThrottle.refillTime(rate, burst).toNanos() + rnd.nextInt(3) - 1;
          default -> now += rnd.nextInt(1_000_000_000);
        }
        Object key = rnd.nextInt(4) == 0 ? "hot" : "k" + rnd.nextInt(keys);
        long got = t.tryAcquire(key, now);
        long want = ref.tryAcquire(key, now);
        assertThat(got).as("scenario %d step %d key %s", scenario, i, key).isEqualTo(want);
        if (want > 0) {
          refused++;
        }
      }
      if (refused > refusedBefore) {
        scenariosWithRefusals++;
      }
    }
    // The comparison means something only if the throttle refused often, in most scenarios.
    assertThat(refused).isGreaterThan(10_000);
    assertThat(scenariosWithRefusals).isGreaterThan(20);
  }

  @Test
  void aRefundGivesBackOneToken() {
    KeyThrottle t = new KeyThrottle(1, 3); // a token a second, burst 3
    long k = t.hash("default", "user", List.of("u1"));
    long now = 5_000_000_000L;
    assertThat(t.tryAcquire(k, now)).isZero();
    assertThat(t.tryAcquire(k, now)).isZero();
    assertThat(t.tryAcquire(k, now)).isZero();
    assertThat(t.tryAcquire(k, now)).isPositive();
    t.refund(k);
    assertThat(t.tryAcquire(k, now)).isZero();
    assertThat(t.tryAcquire(k, now)).isPositive();
    t.refund(t.hash("default", "user", List.of("never-taken"))); // nothing to give back
    assertThat(t.tryAcquire(t.hash("default", "user", List.of("never-taken")), now)).isZero();
  }

  @Test
  void forgetsFullBucketsAndHoldsItsSizeBound() {
    KeyThrottle t = new KeyThrottle(1000, 2000); // refill time 2 s
    long now = 0;
    for (int i = 0; i < 10_000; i++) {
      assertThat(t.tryAcquire("k" + i, now)).isZero();
    }
    assertThat(t.size(now)).isEqualTo(10_000);
    int grown = t.slots();
    // Past the refill time all are full again; new keys over many generations do not carry them.
    for (int round = 1; round <= 20; round++) {
      now += 2_100_000_000L;
      for (int i = 0; i < 10_000; i++) {
        assertThat(t.tryAcquire("r" + round + "-" + i, now)).isZero();
      }
    }
    assertThat(t.size(now)).isEqualTo(10_000); // only the last round's
    assertThat(t.slots()).isLessThanOrEqualTo(2 * grown);

    // Above the bound (100 buckets: tables of at most 8,192 slots, the smallest), live buckets that
    // do not fit are dropped, as a size-bounded cache evicts; memory stays bounded.
    KeyThrottle small = new KeyThrottle(1, 2000, 100); // a take keeps a bucket non-full for 1 s
    for (int i = 0; i < 100_000; i++) {
      small.tryAcquire("k" + i, i * 1_000L); // 0.1 s in all: every bucket stays live
    }
    assertThat(small.slots()).isLessThanOrEqualTo(2 * 8192);
    assertThat(small.size(100_000_000L)).isBetween(1_000, 2 * 8192);
  }

  @Test
  void takesRacingTableReplacementsNeverExceedTheBurst() throws Exception {
    // 4 threads take from 20,000 keys at one instant, each key 8 times in all: the tables fill and
    // are replaced many times while the others take (claims, carries and freezes race). Each key
    // must admit exactly `burst` takes, whichever table its takes met.
    int burst = 3;
    int keys = 20_000;
    for (int attempt = 0; attempt < 5; attempt++) {
      KeyThrottle t = new KeyThrottle(10, burst);
      AtomicInteger[] admitted = new AtomicInteger[keys];
      for (int k = 0; k < keys; k++) {
        admitted[k] = new AtomicInteger();
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int th = 0; th < 4; th++) {
        int offset = th * 5_003;
        Thread thread =
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < 2 * keys; i++) {
                    int k = (i + offset) % keys;
                    if (t.tryAcquire("k" + k, 5_000_000_000L) == 0) {
                      admitted[k].incrementAndGet();
                    }
                  }
                });
        thread.start();
        threads.add(thread);
      }
      go.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
      for (int k = 0; k < keys; k++) {
        assertThat(admitted[k].get()).as("attempt %d key %d", attempt, k).isEqualTo(burst);
      }
      assertThat(t.slots()).isGreaterThan(8192); // the tables were replaced and grew
    }
  }

  @Test
  void manyKeysThroughGenerationsAnswerLikeTheReference() {
    // Thousands of keys: the table is replaced and grows many times, live buckets are carried over
    // and full ones dropped, while the answers must stay the reference's.
    Random rnd = new Random(11);
    KeyThrottle t = new KeyThrottle(2, 3); // refill time 2 s
    Reference ref = new Reference(t, 3);
    long now = 0;
    int refused = 0;
    int maxSize = 0;
    int maxSlots = 0;
    for (int i = 0; i < 400_000; i++) {
      // ~20k takes/s, and now and then an idle gap around the refill time
      now += i % 50_000 == 0 ? 2_000_000_000L + rnd.nextInt(3) - 1 : rnd.nextInt(100_000);
      Object key = rnd.nextInt(3) == 0 ? "h" + rnd.nextInt(20) : "k" + rnd.nextInt(20_000);
      long want = ref.tryAcquire(key, now);
      assertThat(t.tryAcquire(key, now)).as("step %d key %s", i, key).isEqualTo(want);
      refused += want > 0 ? 1 : 0;
      if (i % 1000 == 0) {
        maxSize = Math.max(maxSize, t.size(now));
        maxSlots = Math.max(maxSlots, t.slots());
      }
    }
    assertThat(refused).isGreaterThan(10_000);
    assertThat(maxSize).isGreaterThan(5_000); // many buckets were live at once
    assertThat(t.size(now)).isLessThan(maxSize);
    // 400,000 takes, ~20,000 distinct keys: the generations bound the memory (a table of 2^k
    // slots holds at most a quarter of new keys before it is replaced).
    assertThat(maxSlots).isLessThanOrEqualTo(2 * 262_144);
  }

  @Test
  void entityKeyHashesSeparateTheirParts() {
    KeyThrottle t = new KeyThrottle(1, 1);
    java.util.Set<Long> seen = new java.util.HashSet<>();
    List<List<Object>> keys =
        List.of(
            List.of("ab", "c"),
            List.of("a", "bc"),
            List.of("abc"),
            List.of(1L),
            List.of("1"),
            List.of(1L, 2L),
            List.of(2L, 1L),
            List.of());
    for (List<Object> k : keys) {
      assertThat(seen.add(t.hash("ns", "user", k))).as("key %s", k).isTrue();
    }
    assertThat(seen.add(t.hash("ns2", "user", List.of("ab", "c")))).isTrue();
    assertThat(seen.add(t.hash("ns", "user2", List.of("ab", "c")))).isTrue();
    assertThat(t.hash("ns", "user", List.of("ab", "c")))
        .isEqualTo(t.hash("ns", "user", List.of(new String("ab"), "c")));
    for (int i = 0; i < 200_000; i++) {
      assertThat(seen.add(t.hash("ns", "user", List.of("u" + i)))).as("u%d", i).isTrue();
    }
    // Two instances use different seeds: the identity is not predictable from outside.
    assertThat(new KeyThrottle(1, 1).hash("ns", "user", List.of("u1")))
        .isNotEqualTo(t.hash("ns", "user", List.of("u1")));
  }
}
