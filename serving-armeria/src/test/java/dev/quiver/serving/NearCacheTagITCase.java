package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-view near-cache bound (view tag {@code serving.max_staleness_ms}) over a real server: a
 * value newer than the bound is served from the cache, an older one never is, and a tag stored
 * before specs were checked for it (the registry's own apply does not run the spec rules) never
 * fails a lookup.
 */
class NearCacheTagITCase {
  private static FeatureView tagged(String name, String tag) {
    return FeatureView.builder(name)
        .entities(List.of("user"))
        .features(List.of(Feature.row("f", FeatureType.INT64)))
        .ttl(Duration.ofDays(1))
        .tags(Map.of("serving.max_staleness_ms", tag))
        .build();
  }

  private static void write(ServingFixture fx, FeatureView v, long value) {
    fx.write(v, List.of("u1"), "f", System.currentTimeMillis() - 100, value);
    fx.flush(List.of(v), List.of(Entity.implicit("default", "user")));
  }

  private static ServingFixture.Reply lookup(ServingFixture fx, String view) throws Exception {
    return fx.lookup(
        "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"" + view + ".f\"]}");
  }

  @Test
  void theViewsBoundIsHonouredAndAnOversizedTagNeverFailsALookup() throws Exception {
    try (ServingFixture fx =
        new ServingFixture(
            Map.of("server.rate-limit.per-key-rate", "0", "server.cache.max-staleness", "0ms"),
            s -> s)) {
      FeatureView huge = tagged("huge_bound", "99999999999999"); // ~3,170 years
      FeatureView short_ = tagged("short_bound", "300");
      fx.registry.apply(FeatureRegistry.SpecBundle.ofViews(huge, short_), "test", false);
      write(fx, huge, 1);
      write(fx, short_, 1);

      // was a 500 (ArithmeticException: the bound in nanoseconds overflowed) on every lookup
      ServingFixture.Reply r = lookup(fx, "huge_bound");
      assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
      assertThat(r.body().at("/results/0/features/huge_bound.f/value").asLong()).isEqualTo(1);
      write(fx, huge, 2);
      assertThat(
              lookup(fx, "huge_bound").body().at("/results/0/features/huge_bound.f/value").asLong())
          .as("cached: the bound is capped, not dropped")
          .isEqualTo(1);

      assertThat(
              lookup(fx, "short_bound")
                  .body()
                  .at("/results/0/features/short_bound.f/value")
                  .asLong())
          .isEqualTo(1);
      write(fx, short_, 2);
      long t0 = System.nanoTime();
      long seen;
      do {
        seen =
            lookup(fx, "short_bound").body().at("/results/0/features/short_bound.f/value").asLong();
        if (seen == 1) {
          // the cached value: only while the read that produced it is younger than 300 ms
          assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(300 + 700);
        }
        Thread.sleep(20);
      } while (seen == 1);
      assertThat(seen).isEqualTo(2);
    }
  }
}
