package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What the circuit breaker of {@link StoreGuard} counts as a store failure: a read that fails, or
 * is still running at {@code server.lookup.default-timeout}; not a read that only missed the
 * request's own (client-chosen) deadline.
 */
class StoreGuardTest {
  private static final FeatureView VIEW =
      FeatureView.builder("v")
          .version(dev.quiver.core.spec.Version.of(1))
          .entities(List.of("user"))
          .features(List.of(Feature.row("a", FeatureType.INT64)))
          .ttl(Duration.ofDays(1))
          .status(ViewStatus.ACTIVE)
          .build();
  private static final LookupPlan.ViewRead READ =
      new LookupPlan.ViewRead(
          new ViewRecord("view-1", VIEW, Instant.EPOCH, "test", null, "sum", List.of()),
          Entity.implicit("default", "user").joinKeys(),
          List.of("a"),
          "v1",
          0,
          Duration.ofDays(1).toMillis());

  private static StoreGuard guard(Supplier<CompletableFuture<FeatureValue[][]>> reads) {
    FeatureSource source =
        new FeatureSource() {
          @Override
          public CompletableFuture<FeatureValue[][]> read(
              FeatureView view,
              List<JoinKey> joinKeys,
              List<String> features,
              List<List<Object>> keys,
              Instant asOf) {
            return reads.get();
          }

          @Override
          public CompletableFuture<Void> check() {
            return CompletableFuture.completedFuture(null);
          }
        };
    ServerOptions opts =
        ServerOptions.from(
            QuiverConfig.of(
                    Map.of(
                        "server.lookup.default-timeout", "1s",
                        "server.breaker.minimum-requests", "5",
                        "server.breaker.open-window", "10s"))
                .validate(ServerOptions.ALL));
    return new StoreGuard(source, opts, new ServingMetrics());
  }

  /**
   * Ten reads with a 1 ms deadline, then one more to have the breaker look at its counters; returns
   * its state once OPEN, or after 5 s.
   */
  private static CircuitState afterHurriedReads(StoreGuard g) throws Exception {
    ReadKey.Shape shape = new ReadKey.Shape("view-1", List.of("a"));
    for (int i = 0; i < 10; i++) {
      KeyResult[] r =
          g.fetch(
                  READ,
                  List.of(new ReadKey(shape, List.of("u1"), null)),
                  new KeyCache.Entry[1],
                  List.of(List.of("u1")),
                  null,
                  TimeUnit.MILLISECONDS.toNanos(1),
                  null)
              .get(5, TimeUnit.SECONDS);
      assertThat(r[0].stale()).isTrue();
    }
    Thread.sleep(1_500); // past the 1 s store bound, and the counters' 200 ms update
    g.fetch(
        READ,
        List.of(new ReadKey(shape, List.of("u1"), null)),
        new KeyCache.Entry[1],
        List.of(List.of("u1")),
        null,
        TimeUnit.MILLISECONDS.toNanos(1),
        null);
    // the last read's verdict comes up to the store bound later (later still on a loaded machine)
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (g.state() != CircuitState.OPEN && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    return g.state();
  }

  @Test
  void aReadThatOnlyMissedTheRequestsDeadlineIsNoStoreFailure() throws Exception {
    StoreGuard g =
        guard(
            () ->
                CompletableFuture.supplyAsync(
                    () -> new FeatureValue[][] {new FeatureValue[1]},
                    CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS)));
    assertThat(afterHurriedReads(g)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aReadStillRunningAtTheStoreBoundOrFailingIsAFailure() throws Exception {
    assertThat(afterHurriedReads(guard(CompletableFuture::new))).isEqualTo(CircuitState.OPEN);
    assertThat(
            afterHurriedReads(
                guard(() -> CompletableFuture.failedFuture(new IllegalStateException("down")))))
        .isEqualTo(CircuitState.OPEN);
  }
}
