package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A use case unlike examples/ (ride-hailing: two entities and a composite INT32 key, an embedding,
 * last_n, stddev, count_distinct, a WHERE transformation feeding a count), written from the user's
 * guide alone, parses without a warning into the views the guide describes.
 */
class RideHailingSpecsTest {
  static final Path DIR = Path.of("src/test/resources/ride-hailing");

  @Test
  void parsesWithoutWarnings() {
    SpecParser.ParseResult r;
    try {
      r = SpecParser.parsePath(DIR);
    } catch (SpecException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    assertThat(r.warnings()).isEmpty();
    SpecBundle b = r.bundle();
    assertThat(b.entities())
        .filteredOn(e -> e.name().equals("route"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.joinKeys())
                    .containsExactly(
                        new JoinKey("pickup_zone", FeatureType.INT32),
                        new JoinKey("dropoff_zone", FeatureType.INT32)));
    FeatureView trips =
        b.views().stream().filter(v -> v.name().equals("driver_trips")).findFirst().orElseThrow();
    assertThat(trips.features())
        .extracting(Feature::name)
        .containsExactly(
            "driver_trips_10m",
            "driver_trips_1h",
            "driver_fare_usd",
            "driver_avg_fare_usd_10m",
            "driver_avg_fare_usd_1h",
            "driver_fare_stddev_1h",
            "driver_max_distance_1h",
            "driver_distinct_riders_1h",
            "driver_recent_vehicle_types",
            "driver_last_rating",
            "driver_last_cancelled",
            "driver_last_fare_per_km");
    assertThat(trips.features().get(8).dtype())
        .isEqualTo(FeatureType.arrayOf(FeatureType.Scalar.STRING));
    FeatureView state =
        b.views().stream().filter(v -> v.name().equals("driver_state")).findFirst().orElseThrow();
    assertThat(state.features().get(1).dtype())
        .isEqualTo(FeatureType.arrayOf(FeatureType.Scalar.FLOAT32));
    assertThat(b.services())
        .singleElement()
        .satisfies(
            s ->
                assertThat(s.features())
                    .extracting(FeatureRef::toString)
                    .containsAll(
                        List.of(
                            "driver_trips:v1.driver_trips_10m", "driver_state.driver_embedding")));
  }
}
