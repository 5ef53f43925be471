package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureType.Scalar;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.tile.TileRef;
import dev.quiver.offline.PointInTimeSweep;
import dev.quiver.offline.SweepRow;
import dev.quiver.offline.ViewPlan;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.embedded.EmbeddedOnlineStore;
import dev.quiver.udfs.TileBundleAggregate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online and offline give the same value for every function × input type, without Kafka or Flink:
 * random events of every column type (nulls, equal event times, out-of-order arrival, -0.0, NaN,
 * infinities, INT64 sums past the long range) are folded online as the streaming job does (its
 * {@code QUIVER_TILES} function per tile and resolution, in arrival order, values as Flink hands
 * them over; rows written in arrival order) into the embedded store and read back with {@link
 * FeatureReader} as of t, and offline by the training-set sweep ({@link PointInTimeSweep}) over the
 * values as the Iceberg readers give them (TIMESTAMP as epoch millis). Compared at tile ends (where
 * an as_of read is exact, docs/online-store.md) and at event times for row features; doubles folded
 * in a different order may differ in the last bits only (1e-9 relative).
 */
class OnlineOfflineEquivalenceTest {
  private static final long MIN = 60_000L;
  private static final long T0 = Instant.parse("2024-03-01T00:00:00Z").toEpochMilli();
  private static final JoinKey USER = new JoinKey("user_id", FeatureType.STRING);
  private static final List<FeatureType> COLUMNS =
      List.of(
          FeatureType.INT64,
          FeatureType.INT32,
          FeatureType.FLOAT64,
          FeatureType.FLOAT32,
          FeatureType.STRING,
          FeatureType.BOOL,
          FeatureType.TIMESTAMP,
          FeatureType.BYTES);

  @TempDir Path dir;

  static String col(FeatureType t) {
    return "c_" + t.scalar().name().toLowerCase();
  }

  /** The index of a column among {@link #COLUMNS}; -1 for {@code *}. */
  static int index(String column) {
    for (int c = 0; c < COLUMNS.size(); c++) {
      if (col(COLUMNS.get(c)).equals(column)) {
        return c;
      }
    }
    return -1;
  }

  /** Every function over every column type it applies to, with a 1h window. */
  static FeatureView view() {
    List<Feature> features = new ArrayList<>();
    for (FeatureType t : COLUMNS) {
      features.add(Feature.row(col(t), t));
    }
    features.add(agg("*", AggregationFunction.COUNT, null, 0));
    for (FeatureType t : COLUMNS) {
      for (AggregationFunction f : AggregationFunction.values()) {
        boolean numeric = t.scalar().isNumeric();
        boolean ordered = t.scalar() != Scalar.BOOL && t.scalar() != Scalar.BYTES;
        boolean applies =
            switch (f) {
              case SUM, AVG, STDDEV -> numeric;
              case MIN, MAX -> ordered;
              default -> true;
            };
        if (applies) {
          features.add(agg(col(t), f, t, f == AggregationFunction.LAST_N ? 3 : 0));
        }
      }
    }
    return FeatureView.builder("equiv")
        .entities(List.of("user"))
        .ttl(Duration.ofMinutes(40))
        .tileSize(Duration.ofMinutes(5))
        .features(features)
        .build();
  }

  private static Feature agg(String column, AggregationFunction f, FeatureType input, int n) {
    FeatureType dtype = f.outputType(input);
    String name = f.specName() + "_" + column.replace("*", "all");
    return new Feature(
        name, dtype, "", null, new Aggregation(column, f, Duration.ofHours(1), n), Map.of());
  }

  /** One event: its time, arrival sequence and a value per column (offline representation). */
  record Event(String user, long time, long seq, Object[] values) {}

  @Test
  void everyFunctionAndTypeAgreesOnlineAndOffline() throws Exception {
    FeatureView view = view();
    Random r = new Random(2024);
    List<Event> arrival = new ArrayList<>();
    long seq = 0;
    for (String user : List.of("u1", "u2", "u3")) {
      for (int i = 0; i < 250; i++) {
        long time = T0 + r.nextInt(36) * 5 * MIN + r.nextInt(4) * MIN; // many equal times
        Object[] v = new Object[COLUMNS.size()];
        for (int c = 0; c < v.length; c++) {
          v[c] = r.nextInt(7) == 0 ? null : value(COLUMNS.get(c), r);
        }
        arrival.add(new Event(user, time, seq++, v));
      }
    }
    Collections.shuffle(arrival, r); // out of order
    // seq is the arrival order (the Kafka offset): re-number after the shuffle
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < arrival.size(); i++) {
      Event e = arrival.get(i);
      events.add(new Event(e.user(), e.time(), i, e.values()));
    }

    TreeSet<Long> times = new TreeSet<>();
    for (long t = T0 - 5 * MIN - 1; t <= T0 + 4 * 60 * MIN; t += 5 * MIN) {
      times.add(t); // tile ends, before the first event to long after the last
    }
    List<String> names = view.features().stream().map(Feature::name).toList();
    Map<String, Map<String, Object>> online = online(view, events, times, names);
    Map<String, Map<String, Object>> offline = offline(view, events, times);

    List<String> disagreements = new ArrayList<>();
    int compared = 0;
    int present = 0;
    int lastBits = 0;
    for (String row : online.keySet()) {
      for (String f : names) {
        Object on = canonical(online.get(row).get(f));
        Object off = canonical(offline.get(row).get(f));
        compared++;
        if (!agree(on, off)) {
          disagreements.add(row + " " + f + ": online=" + on + " offline=" + off);
        } else if (!Objects.equals(on, off)) {
          lastBits++;
        }
        if (on != null && !on.equals(0L) && !on.equals(List.of())) {
          present++;
        }
      }
    }
    System.out.printf(
        "OnlineOfflineEquivalenceTest: %d values compared (%d neither null, 0 nor []), %d doubles"
            + " equal only within 1e-9 (folding order)%n",
        compared, present, lastBits);
    assertThat(compared).isGreaterThan(10_000);
    assertThat(present).as("values that are not empty").isGreaterThan(compared / 2);
    assertThat(disagreements)
        .as("%d disagreements, first: %s", disagreements.size(), first(disagreements))
        .isEmpty();
  }

  private static String first(List<String> l) {
    return String.join("\n", l.subList(0, Math.min(30, l.size())));
  }

  private static Object value(FeatureType t, Random r) {
    int special = r.nextInt(40);
    return switch (t.scalar()) {
      case INT64 -> special == 0 ? Long.MAX_VALUE - r.nextInt(3) : (long) r.nextInt(200) - 100;
      case INT32 -> special == 0 ? Integer.MIN_VALUE : r.nextInt(200) - 100;
      case FLOAT64 ->
          switch (special) {
            case 0 -> -0.0;
            case 1 -> 0.0;
            case 2 -> Double.NaN;
            case 3 -> Double.POSITIVE_INFINITY;
            default -> r.nextInt(400) / 8.0 - 25;
          };
      case FLOAT32 -> special == 0 ? -0f : special == 1 ? 0f : r.nextInt(400) / 3f;
      case STRING -> special == 0 ? "" : "s" + r.nextInt(30);
      case BOOL -> r.nextBoolean();
      case TIMESTAMP -> T0 + r.nextInt(100) * 1_000L; // epoch millis, as the offline readers
      case BYTES -> ("b" + r.nextInt(30)).getBytes(StandardCharsets.UTF_8);
      default -> throw new IllegalStateException();
    };
  }

  /** The value as Flink hands it to the job (TIMESTAMP_LTZ(3) as an Instant). */
  private static Object flinkValue(FeatureType t, Object offline) {
    return offline != null && t.scalar() == Scalar.TIMESTAMP
        ? Instant.ofEpochMilli((Long) offline)
        : offline;
  }

  // ------------------------------------------------------------ online

  private Map<String, Map<String, Object>> online(
      FeatureView view, List<Event> arrival, TreeSet<Long> times, List<String> names) {
    // the series of the view, as JobPlanner lists them for QUIVER_TILES
    Map<String, Feature> series = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        series.putIfAbsent(dev.quiver.core.tile.TileAggregators.seriesName(f.aggregation()), f);
      }
    }
    List<String> specs = new ArrayList<>();
    for (Feature f : series.values()) {
      specs.add(TileBundleAggregate.seriesSpec(f.aggregation(), f.dtype()));
    }
    BinaryStringData spec = BinaryStringData.fromString(String.join(";", specs));
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    // the store's clock near the events (its TTL drops cells older than the view's TTL)
    Clock clock = Clock.fixed(Instant.ofEpochMilli(T0 + 5 * 60 * MIN), java.time.ZoneOffset.UTC);
    try (EmbeddedOnlineStore store = new EmbeddedOnlineStore(dir, 2, 16, clock)) {
      FeatureWriter writer = new FeatureWriter(store, view);
      writer.ensureTable();
      TileBundleAggregate udaf = new TileBundleAggregate();
      Map<String, TileBundleAggregate.Acc> accs = new HashMap<>();
      Map<String, Long> maxTs = new HashMap<>();
      List<OnlineWrite> writes = new ArrayList<>();
      for (Event e : arrival) {
        byte[] key = EntityKeyCodec.encode(USER, e.user());
        for (int c = 0; c < COLUMNS.size(); c++) {
          FeatureType t = COLUMNS.get(c);
          writes.add(writer.row(key, col(t), flinkValue(t, e.values()[c]), e.time()));
        }
        Object[] inputs = new Object[series.size()];
        int i = 0;
        for (Feature f : series.values()) {
          String column = f.aggregation().column();
          int c = index(column);
          inputs[i++] = c < 0 ? 1 : flinkValue(COLUMNS.get(c), e.values()[c]);
        }
        for (TileRef ref : writer.tiling().tilesOf(e.time())) {
          String id = e.user() + ref;
          TileBundleAggregate.Acc acc = accs.computeIfAbsent(id, k -> udaf.createAccumulator());
          udaf.accumulate(acc, spec, e.time(), e.seq(), inputs);
          long ts = Math.max(maxTs.getOrDefault(id, Long.MIN_VALUE), e.time());
          maxTs.put(id, ts);
          writes.add(writer.tile(key, ref, udaf.getValue(acc).clone(), ts));
        }
      }
      writer.write(writes).join();
      FeatureReader reader = new FeatureReader(store, clock);
      for (String user : List.of("u1", "u2", "u3", "nobody")) {
        for (long t : times) {
          EntityFeatures got =
              reader.read(view, names, List.of(EntityKeyCodec.encode(USER, user)), t).join().get(0);
          Map<String, Object> values = new HashMap<>();
          for (String n : names) {
            FeatureValue v = got.features().get(n);
            values.put(n, v == null ? null : v.value());
          }
          out.put(user + "@" + t, values);
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------ offline

  private static Map<String, Map<String, Object>> offline(
      FeatureView view, List<Event> events, TreeSet<Long> times) {
    int[] rowIdx = new int[COLUMNS.size()];
    List<ViewPlan.AggPlan> aggs = new ArrayList<>();
    List<String> order = new ArrayList<>();
    for (Feature f : view.features()) {
      if (!f.isAggregation()) {
        rowIdx[order.size()] = COLUMNS.indexOf(f.dtype());
        order.add(f.name());
      }
    }
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        Aggregation a = f.aggregation();
        int in = index(a.column());
        aggs.add(
            new ViewPlan.AggPlan(
                a.function(),
                a.column(),
                a.window().toMillis(),
                a.n(),
                in,
                f.dtype().scalar(),
                f.dtype().array()));
        order.add(f.name());
      }
    }
    ViewPlan plan =
        new ViewPlan(
            0, "equiv:1", rowIdx, aggs, 0, view.ttl().toMillis(), view.tileSize().toMillis(), 0);
    PointInTimeSweep sweep = new PointInTimeSweep(List.of(plan), false);
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String user : List.of("u1", "u2", "u3", "nobody")) {
      List<SweepRow> rows = new ArrayList<>();
      for (Event e : events) {
        if (e.user().equals(user)) {
          rows.add(SweepRow.event(user, 0, e.time(), e.seq(), 0, e.values().clone()));
        }
      }
      List<SweepRow> labels = new ArrayList<>();
      for (long t : times) {
        SweepRow label = SweepRow.label(user, t, new Object[0], order.size());
        labels.add(label);
        rows.add(label);
      }
      sweep.sweep(rows, x -> {});
      for (SweepRow label : labels) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
          values.put(order.get(i), label.features[i]);
        }
        out.put(user + "@" + label.time, values);
      }
    }
    return out;
  }

  // ------------------------------------------------------------ comparison

  /** Comparable form: instants as epoch millis, bytes as hex, lists element-wise. */
  private static Object canonical(Object v) {
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    if (v instanceof byte[] b) {
      return HexFormat.of().formatHex(b);
    }
    if (v instanceof java.nio.ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      return HexFormat.of().formatHex(bytes);
    }
    if (v instanceof List<?> l) {
      return l.stream().map(OnlineOfflineEquivalenceTest::canonical).toList();
    }
    if (v instanceof Object[] a) {
      return Arrays.stream(a).map(OnlineOfflineEquivalenceTest::canonical).toList();
    }
    return v;
  }

  private static boolean agree(Object a, Object b) {
    if (a instanceof Double x && b instanceof Double y) {
      if (x.isNaN() || y.isNaN() || x.isInfinite() || y.isInfinite()) {
        return x.equals(y);
      }
      return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.max(Math.abs(x), Math.abs(y)));
    }
    return Objects.equals(a, b);
  }
}
