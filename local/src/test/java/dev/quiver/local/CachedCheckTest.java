package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.serving.UpstreamCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The materialization check behind {@code /v1/health} asks Flink at most once a second however many
 * probes come: concurrent probes share the check in flight, later ones reuse its result for the
 * TTL, and after it the next probe asks again (so a job's new state shows within a second).
 */
class CachedCheckTest {
  private final AtomicLong nanos = new AtomicLong(1);
  private final List<CompletableFuture<UpstreamCheck.Result>> asked = new ArrayList<>();
  private final UpstreamCheck flink =
      new UpstreamCheck() {
        @Override
        public String name() {
          return "materialization";
        }

        @Override
        public synchronized CompletableFuture<Result> check() {
          CompletableFuture<Result> f = new CompletableFuture<>();
          asked.add(f);
          return f;
        }
      };
  private final UpstreamCheck cached = new CachedCheck(flink, Duration.ofSeconds(1), nanos::get);

  @Test
  void aProbeStormAsksFlinkOncePerSecond() {
    List<CompletableFuture<UpstreamCheck.Result>> probes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      probes.add(cached.check());
    }
    assertThat(asked).hasSize(1); // in flight: shared
    asked.get(0).complete(new UpstreamCheck.Result(true, null, null));
    assertThat(probes).allMatch(p -> p.join().up());

    nanos.addAndGet(Duration.ofMillis(999).toNanos());
    for (int i = 0; i < 100; i++) {
      assertThat(cached.check().join().up()).isTrue();
    }
    assertThat(asked).hasSize(1); // answered from the last second's result

    nanos.addAndGet(Duration.ofMillis(2).toNanos());
    CompletableFuture<UpstreamCheck.Result> next = cached.check();
    assertThat(asked).hasSize(2); // a second later: Flink is asked again
    asked.get(1).complete(new UpstreamCheck.Result(false, "1 of 1 jobs not running", null));
    assertThat(next.join().error()).isEqualTo("1 of 1 jobs not running");
    assertThat(cached.name()).isEqualTo("materialization");
  }

  @Test
  void aCheckThatFailedIsNotKept() {
    CompletableFuture<UpstreamCheck.Result> first = cached.check();
    asked.get(0).completeExceptionally(new IllegalStateException("cluster stopping"));
    assertThat(first).isCompletedExceptionally();
    cached.check();
    assertThat(asked).hasSize(2);
  }
}
