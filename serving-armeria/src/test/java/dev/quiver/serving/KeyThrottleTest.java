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
 * {@link KeyThrottle} against a plain reference: exact token buckets kept forever in a HashMap (a
 * new one full). Forgetting idle buckets must change no answer.
 */
class KeyThrottleTest {
  /** The reference: the bucket arithmetic, no forgetting, no concurrency. */
  static final class Reference {
    final double ratePerNano;
    final double burst;
    final Map<Object, double[]> buckets = new HashMap<>(); // {tokens, updated}

    Reference(double ratePerSecond, int burst) {
      this.ratePerNano = ratePerSecond / 1e9;
      this.burst = burst;
    }

    long tryAcquire(Object key, long now) {
      double[] b = buckets.get(key);
      double tokens = b == null ? burst : Math.min(burst, b[0] + (now - b[1]) * ratePerNano);
      if (b == null) {
        b = new double[2];
        buckets.put(key, b);
      }
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
  void answersLikeBucketsThatAreNeverForgotten() {
    Random rnd = new Random(7);
    int refused = 0;
    int scenariosWithRefusals = 0;
    for (int scenario = 0; scenario < 40; scenario++) {
      double rate = 1 + rnd.nextInt(50);
      int burst = 1 + rnd.nextInt(8);
      KeyThrottle t = new KeyThrottle(rate, burst);
      Reference ref = new Reference(rate, burst);
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
  void forgetsIdleBucketsAndHoldsItsSizeBound() {
    KeyThrottle t = new KeyThrottle(1000, 2000); // refill time 2 s
    long now = 0;
    for (int i = 0; i < 10_000; i++) {
      assertThat(t.tryAcquire("k" + i, now)).isZero();
    }
    assertThat(t.size()).isEqualTo(10_000);
    now += 2_100_000_000L; // past the refill time: all full again, the next takes' sweep drops them
    for (int i = 0; i < 10_000 / KeyThrottle.SWEEP_BATCH + 2; i++) {
      assertThat(t.tryAcquire("other", now)).isZero(); // each take sweeps one batch
    }
    assertThat(t.size()).isEqualTo(1);

    KeyThrottle small = new KeyThrottle(1000, 2000, 100);
    for (int i = 0; i < 1_000; i++) {
      small.tryAcquire("k" + i, i * 1_000_000L); // 1 s in all: one sweep above the bound
    }
    for (int i = 0; i < 1_000 / KeyThrottle.SWEEP_BATCH + 2; i++) {
      small.tryAcquire("last", 1_500_000_000L);
    }
    // The bound (100), plus "last", whose bucket the pass may itself drop as an arbitrary one and
    // the next take recreate (the pass counts what to drop when it starts).
    assertThat(small.size()).isBetween(100, 102);
  }

  @Test
  void takesRacingASweepNeverExceedTheBurst() throws Exception {
    // Every key is taken once, then 8 threads take from the 20 keys at one instant past the refill
    // time: the first caller sweeps the (full again) buckets while the others take. Each key must
    // admit exactly `burst` takes, whether its take met the old bucket or a new one.
    int burst = 50;
    for (int attempt = 0; attempt < 20; attempt++) {
      KeyThrottle t = new KeyThrottle(10, burst); // refill time 5 s
      for (int k = 0; k < 20; k++) {
        t.tryAcquire("k" + k, 0);
      }
      long later = KeyThrottle.refillTime(10, burst).toNanos() + 1;
      AtomicInteger admitted = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int th = 0; th < 8; th++) {
        int offset = th;
        Thread thread =
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < 400; i++) {
                    if (t.tryAcquire("k" + ((i + offset) % 20), later) == 0) {
                      admitted.incrementAndGet();
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
      assertThat(admitted.get()).as("attempt %d", attempt).isEqualTo(20 * burst);
    }
  }

  @Test
  void manyKeysThroughGrowthAndSweepsAnswerLikeTheReference() {
    // Thousands of keys: every stripe's table grows several times, and sweeps remove buckets from
    // the middle of probe runs (backward shifts), while the answers must stay the reference's.
    Random rnd = new Random(11);
    KeyThrottle t = new KeyThrottle(2, 3); // refill time 2 s
    Reference ref = new Reference(2, 3);
    long now = 0;
    int refused = 0;
    int maxSize = 0;
    for (int i = 0; i < 400_000; i++) {
      // ~20k takes/s, and now and then an idle gap around the refill time
      now += i % 50_000 == 0 ? 2_000_000_000L + rnd.nextInt(3) - 1 : rnd.nextInt(100_000);
      Object key = rnd.nextInt(3) == 0 ? "h" + rnd.nextInt(20) : "k" + rnd.nextInt(20_000);
      long want = ref.tryAcquire(key, now);
      assertThat(t.tryAcquire(key, now)).as("step %d key %s", i, key).isEqualTo(want);
      refused += want > 0 ? 1 : 0;
      maxSize = Math.max(maxSize, t.size());
    }
    assertThat(refused).isGreaterThan(10_000);
    assertThat(maxSize).isGreaterThan(5_000); // the tables grew
    assertThat(t.size()).isLessThan(maxSize); // and sweeps removed buckets
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
