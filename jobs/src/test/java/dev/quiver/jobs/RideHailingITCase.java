package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The own-use-case pass, on real components: the ride-hailing specs of {@code
 * core/src/test/resources/ride-hailing} (written from the user's guide alone) materialize a
 * hand-written log of trips, and every online value equals the answer computed by hand below. The
 * log holds a duplicate with another payload, an out-of-order event, two events at one time, one
 * event too late for the 10-minute lateness of driver_trips but not for the 15 minutes of
 * route_stats, one too late for both, one ahead of its record time, a null fare, a zero distance,
 * and malformed events (bad JSON, a missing join key that only one view needs, a string rating, a
 * missing event time, a string boolean), each dead-lettered with its reason by each view's job.
 */
class RideHailingITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  private static final long SEC = 1000L;

  @TempDir Path tmp;

  private record Trip(
      String id,
      String driver,
      String rider,
      int pickup,
      int dropoff,
      Double fare,
      double km,
      Integer rating,
      boolean cancelled,
      String vehicle,
      long at) {
    String json() {
      return "{\"trip_id\":\""
          + id
          + "\""
          + (driver == null ? "" : ",\"driver_id\":\"" + driver + "\"")
          + ",\"rider_id\":\""
          + rider
          + "\",\"pickup_zone\":"
          + pickup
          + ",\"dropoff_zone\":"
          + dropoff
          + ",\"fare_usd\":"
          + fare
          + ",\"distance_km\":"
          + km
          + ",\"rating\":"
          + rating
          + ",\"cancelled\":"
          + cancelled
          + ",\"vehicle_type\":\""
          + vehicle
          + "\",\"event_time\":\""
          + Instant.ofEpochMilli(at)
          + "\"}";
    }
  }

  private static Transactions.Record raw(String json) {
    return new Transactions.Record(json.getBytes(StandardCharsets.UTF_8), null, null);
  }

  @Test
  void driverAndRouteViewsEqualTheHandComputedAnswers() throws Exception {
    SpecBundle bundle =
        SpecParser.parsePath(Path.of("..", "core", "src", "test", "resources", "ride-hailing"))
            .bundle();
    // minute-aligned, half an hour ago: the too-early check compares event and record times
    long n = (System.currentTimeMillis() / 60_000L) * 60_000L - 30 * 60_000L;
    List<Transactions.Record> log = new ArrayList<>();
    for (Trip t :
        List.of(
            new Trip("a1", "d_a", "r_x", 101, 202, 10.0, 2.0, 5, false, "sedan", n - 480 * SEC),
            new Trip("a2", "d_a", "r_y", 101, 202, 20.0, 4.0, 4, false, "suv", n - 300 * SEC),
            new Trip("a3", "d_a", "r_x", 101, 203, 30.0, 10.0, 3, true, "sedan", n - 120 * SEC),
            new Trip("a3", "d_a", "r_x", 101, 203, 30.0, 10.0, 3, true, "sedan", n - 120 * SEC),
            // the same trip again with another payload: the first copy counts
            new Trip("a3", "d_a", "r_x", 101, 203, 999.0, 10.0, 1, true, "limo", n - 110 * SEC),
            // out of order, within the lateness
            new Trip("a4", "d_a", "r_z", 101, 202, 40.0, 8.0, 2, false, "bike", n - 540 * SEC),
            // two events at one time: the later offset is the newer
            new Trip("a5", "d_a", "r_y", 101, 203, 50.0, 5.0, 1, false, "van", n - 60 * SEC),
            new Trip("a6", "d_a", "r_w", 101, 203, 60.0, 3.0, 5, false, "sedan", n - 60 * SEC),
            // 20 min behind: too late for both views
            new Trip("a7", "d_a", "r_x", 101, 202, 80.0, 1.0, 1, false, "suv", n - 1200 * SEC),
            // 13 min behind: too late for driver_trips (10m), on time for route_stats (15m)
            new Trip("a8", "d_a", "r_x", 101, 202, 70.0, 7.0, 3, false, "suv", n - 780 * SEC),
            new Trip("b1", "d_b", "r_y", 305, 306, 15.0, 5.0, 4, false, "suv", n - 200 * SEC),
            new Trip("b2", "d_b", "r_y", 305, 306, null, 2.0, null, true, "suv", n - 100 * SEC),
            // a zero distance: fare / distance_km is null, the job goes on
            new Trip("b3", "d_b", "r_y", 305, 306, 9.0, 0.0, 2, false, "bike", n - 30 * SEC))) {
      log.add(raw(t.json()));
    }
    String nm30 = Instant.ofEpochMilli(n - 30 * SEC).toString();
    String common =
        "\"rider_id\":\"r_x\",\"pickup_zone\":101,\"dropoff_zone\":202,\"fare_usd\":1.0,"
            + "\"distance_km\":1.0,\"vehicle_type\":\"suv\"";
    log.add(raw("{\"trip_id\":\"m1\",\"driver_id\":\"d_a\","));
    // no driver_id: malformed for driver_trips, a trip like any other for route_stats
    log.add(
        raw(
            "{\"trip_id\":\"m2\","
                + common
                + ",\"rating\":5,\"cancelled\":false,\"event_time\":\""
                + nm30
                + "\"}"));
    log.add(
        raw(
            "{\"trip_id\":\"m3\",\"driver_id\":\"d_a\","
                + common
                + ",\"rating\":\"5\",\"cancelled\":false,\"event_time\":\""
                + nm30
                + "\"}"));
    log.add(
        raw(
            "{\"trip_id\":\"m4\",\"driver_id\":\"d_a\","
                + common
                + ",\"rating\":5,\"cancelled\":false}"));
    log.add(
        raw(
            "{\"trip_id\":\"m5\",\"driver_id\":\"d_a\","
                + common
                + ",\"rating\":5,\"cancelled\":\"yes\",\"event_time\":\""
                + nm30
                + "\"}"));
    // 2 h ahead of its Kafka record time (now): too early
    log.add(
        raw(
            "{\"trip_id\":\"m6\",\"driver_id\":\"d_a\","
                + common
                + ",\"rating\":5,\"cancelled\":false,\"event_time\":\""
                + Instant.ofEpochMilli(System.currentTimeMillis() + 7200 * SEC)
                + "\"}"));
    harness.createTopics("trips");
    harness.produce("trips", log);

    // driver_trips: 9 accepted trips (a1..a6, b1..b3); 8 letters
    FeatureView drivers = view(bundle, "driver_trips");
    run(drivers, bundle, 9, 8);
    // route_stats: 11 accepted (a1..a6, a8, m2, b1..b3); 6 more letters
    FeatureView routes = view(bundle, "route_stats");
    run(routes, bundle, 11, 14);

    Map<String, List<String>> reasons = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : harness.kafka().readAll("trips.dlq")) {
      String value = new String(r.value(), StandardCharsets.UTF_8);
      String trip = value.replaceAll("^\\{\"trip_id\":\"([a-z0-9]+)\".*$", "$1");
      reasons
          .computeIfAbsent(
              MaterializationHarness.header(r, DeadLetterSerializer.VIEW), k -> new ArrayList<>())
          .add(trip + ":" + MaterializationHarness.header(r, DeadLetterSerializer.REASON));
    }
    assertThat(reasons.get("default.driver_trips:v1"))
        .containsExactlyInAnyOrder(
            "a7:too_late",
            "a8:too_late",
            "m1:malformed",
            "m2:malformed",
            "m3:malformed",
            "m4:malformed",
            "m5:malformed",
            "m6:too_early");
    assertThat(reasons.get("default.route_stats:v1"))
        .containsExactlyInAnyOrder(
            "a7:too_late",
            "m1:malformed",
            "m3:malformed",
            "m4:malformed",
            "m5:malformed",
            "m6:too_early");

    // read at the end of the minute that starts at n: its tile is empty, every event is before it
    long t = n + 60 * SEC - 1;
    try (OnlineStore store =
        OnlineStores.open(
            MaterializationHarness.storeConfig(
                MaterializationHarness.embedded(tmp.resolve("online"))))) {
      FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
      List<String> names =
          drivers.features().stream().map(dev.quiver.core.spec.Feature::name).toList();
      List<EntityFeatures> d =
          reader
              .read(
                  drivers,
                  names,
                  List.of(key(bundle, "driver", "d_a"), key(bundle, "driver", "d_b")),
                  t)
              .get();
      Map<String, FeatureValue> a = d.get(0).features();
      // 10m window: [n + 60 s - 600 s, t] holds a4 (n - 540 s) and everything after it
      assertThat(a.get("driver_trips_10m").value()).isEqualTo(6L);
      assertThat(a.get("driver_trips_1h").value()).isEqualTo(6L);
      assertThat(a.get("driver_fare_usd").value()).isEqualTo(210.0);
      assertThat(a.get("driver_avg_fare_usd_1h").value()).isEqualTo(35.0);
      // sample stddev of 10..60: sqrt(1750 / 5)
      assertThat((Double) a.get("driver_fare_stddev_1h").value())
          .isCloseTo(Math.sqrt(350.0), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(a.get("driver_max_distance_1h").value()).isEqualTo(10.0);
      assertThat(a.get("driver_distinct_riders_1h").value()).isEqualTo(4L);
      assertThat(a.get("driver_recent_vehicle_types").value())
          .isEqualTo(List.of("sedan", "van", "sedan"));
      assertThat(a.get("driver_last_rating").value()).isEqualTo(5);
      assertThat(a.get("driver_last_cancelled").value()).isEqualTo(false);
      assertThat(a.get("driver_last_fare_per_km").value()).isEqualTo(20.0);
      assertThat(a.get("driver_last_rating").ts()).isEqualTo(n - 60 * SEC);
      Map<String, FeatureValue> b = d.get(1).features();
      assertThat(b.get("driver_trips_1h").value()).isEqualTo(3L);
      assertThat(b.get("driver_fare_usd").value()).isEqualTo(24.0);
      assertThat(b.get("driver_avg_fare_usd_10m").value()).isEqualTo(12.0);
      assertThat((Double) b.get("driver_fare_stddev_1h").value())
          .isCloseTo(Math.sqrt(18.0), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(b.get("driver_recent_vehicle_types").value())
          .isEqualTo(List.of("bike", "suv", "suv"));
      assertThat(b.get("driver_last_rating").value()).isEqualTo(2);
      assertThat(b.get("driver_last_fare_per_km").value()).isNull();

      List<String> routeNames =
          routes.features().stream().map(dev.quiver.core.spec.Feature::name).toList();
      List<EntityFeatures> r =
          reader
              .read(
                  routes,
                  routeNames,
                  List.of(
                      key(bundle, "route", 101, 202),
                      key(bundle, "route", 101, 203),
                      key(bundle, "route", 305, 306)),
                  t)
              .get();
      // 101 -> 202: a1, a2, a4, a8 (late but within 15m), m2 (no driver_id, not needed here)
      assertThat(r.get(0).features().get("route_trips_1h").value()).isEqualTo(5L);
      assertThat((Double) r.get(0).features().get("route_avg_fare_1h").value())
          .isCloseTo(141.0 / 5, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(r.get(0).features().get("route_last_distance_km").value()).isEqualTo(1.0);
      // 101 -> 203: a3 (first copy), a5, a6; the newest of the tie is a6
      assertThat(r.get(1).features().get("route_trips_1h").value()).isEqualTo(3L);
      assertThat((Double) r.get(1).features().get("route_avg_fare_1h").value())
          .isCloseTo(140.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(r.get(1).features().get("route_last_distance_km").value()).isEqualTo(3.0);
      // 305 -> 306: a null fare is skipped by avg, counted by count(*)
      assertThat(r.get(2).features().get("route_trips_1h").value()).isEqualTo(3L);
      assertThat(r.get(2).features().get("route_avg_fare_1h").value()).isEqualTo(12.0);
      assertThat(r.get(2).features().get("route_last_distance_km").value()).isEqualTo(0.0);
    }
  }

  private static FeatureView view(SpecBundle b, String name) {
    return b.views().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  private static byte[] key(SpecBundle b, String entity, Object... values) {
    Entity e = b.entities().stream().filter(x -> x.name().equals(entity)).findFirst().orElseThrow();
    return EntityKeyCodec.encode(e.joinKeys(), List.of(values));
  }

  /** Runs the view's job until its rows and the topic's dead letters are in, then stops it. */
  private void run(FeatureView view, SpecBundle b, int rows, int letters) throws Exception {
    Entity e =
        b.entities().stream()
            .filter(x -> x.name().equals(view.entities().get(0)))
            .findFirst()
            .orElseThrow();
    Path warehouse = tmp.resolve("warehouse");
    JobClient job =
        harness.submit(
            MaterializationHarness.jobGraph(
                view,
                e.joinKeys(),
                harness.config(tmp.resolve(view.name())),
                warehouse,
                MaterializationHarness.embedded(tmp.resolve("online")),
                null,
                false));
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      MaterializationHarness.awaitRows(
          catalog.loadTable(OfflineTables.identifier(view)), rows, Duration.ofSeconds(90));
      harness.awaitDeadLetters("trips", letters);
    } finally {
      MaterializationHarness.stop(job);
    }
  }
}
