package dev.quiver.jobs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.DistinctValues;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.offline.PointInTimeSweep;
import dev.quiver.offline.SweepRow;
import dev.quiver.offline.ViewPlan;
import dev.quiver.udfs.TileBundleAggregate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * count_distinct online and offline hash the same bytes for every input type. Online: the real
 * planner runs {@code QUIVER_TILES} over the input expression the streaming job generates ({@link
 * JobPlanner#tileInput}) on a column of the projected view's Flink type (TIMESTAMP is {@code
 * TIMESTAMP_LTZ(3)}); offline: the training-set sweep folds the values as its Iceberg readers give
 * them (TIMESTAMP as epoch millis, FLOAT32 as Float, BYTES as byte[]). Thousands of distinct values
 * put the HLL sketch in its estimating mode, where sketches of different bytes give different
 * estimates; a few special values (-0.0, NaN, equal instants) check canonical equality exactly.
 *
 * <p>Before: the job hashed {@code CAST(x AS STRING)} and the export its own text, which differed
 * for TIMESTAMP ({@code 2024-01-01 00:00:00.000} against {@code 1704067200000}).
 */
class CountDistinctSkewITCase {
  private static StreamExecutionEnvironment flink;
  private static StreamTableEnvironment env;

  @BeforeAll
  static void flink() {
    Configuration c = new Configuration();
    c.setString("rest.bind-port", "0");
    c.setString("rest.bind-address", "127.0.0.1");
    c.setString("rest.address", "127.0.0.1");
    c.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
    flink = StreamExecutionEnvironment.getExecutionEnvironment(c);
    flink.setParallelism(1);
    env = StreamTableEnvironment.create(flink, EnvironmentSettings.inBatchMode());
    env.getConfig().setLocalTimeZone(ZoneOffset.UTC); // as the streaming job runs
    env.createTemporarySystemFunction(JobPlanner.TILE_FUNCTION, TileBundleAggregate.class);
  }

  private static final long T0 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();

  /** The column types of the projected view (TIMESTAMP is TIMESTAMP_LTZ(3)), by feature type. */
  private static final Map<FeatureType, DataType> TYPES = new LinkedHashMap<>();

  static {
    TYPES.put(FeatureType.INT64, DataTypes.BIGINT());
    TYPES.put(FeatureType.INT32, DataTypes.INT());
    TYPES.put(FeatureType.FLOAT64, DataTypes.DOUBLE());
    TYPES.put(FeatureType.FLOAT32, DataTypes.FLOAT());
    TYPES.put(FeatureType.STRING, DataTypes.STRING());
    TYPES.put(FeatureType.BYTES, DataTypes.BYTES());
    TYPES.put(FeatureType.BOOL, DataTypes.BOOLEAN());
    TYPES.put(FeatureType.TIMESTAMP, DataTypes.TIMESTAMP_LTZ(3));
  }

  @Test
  void everyTypeGivesTheSameEstimateOnlineAndOffline() throws Exception {
    Random r = new Random(15);
    Map<FeatureType, List<Object>> values = new LinkedHashMap<>();
    for (FeatureType t : TYPES.keySet()) {
      List<Object> vs = new ArrayList<>();
      for (int i = 0; i < 6_000; i++) {
        int n = r.nextInt(8_000);
        vs.add(
            switch (t.scalar()) {
              case INT64 -> (long) n - 4_000;
              case INT32 -> n - 4_000;
              case FLOAT64 -> n / 7.0 - 300;
              case FLOAT32 -> n / 3f;
              case STRING -> "m-" + n;
              case BYTES -> ("b" + n).getBytes(StandardCharsets.UTF_8);
              case BOOL -> n % 2 == 0;
              case TIMESTAMP -> Instant.ofEpochMilli(T0 + n * 1_001L);
            });
      }
      values.put(t, vs);
    }
    Map<FeatureType, long[]> e = estimates(values);
    for (FeatureType t : TYPES.keySet()) {
      assertThat(e.get(t)[0]).as("%s: online vs offline estimate", t).isEqualTo(e.get(t)[1]);
      assertThat(e.get(t)[2]).as("%s: count online vs offline", t).isEqualTo(e.get(t)[3]);
    }
  }

  @Test
  void equalValuesCountOnceOnBothSides() throws Exception {
    Instant i = Instant.parse("2024-05-06T07:08:09.010Z");
    Map<FeatureType, List<Object>> values = new LinkedHashMap<>();
    values.put(
        FeatureType.FLOAT64,
        List.of(0.0, -0.0, Double.NaN, Double.longBitsToDouble(0x7ff8000000000123L), 1.5));
    values.put(FeatureType.FLOAT32, List.of(0f, -0f, Float.NaN, 0.1f));
    values.put(FeatureType.BOOL, List.of(true, false, true));
    // invalid UTF-8: as text, both decode to U+FFFD and counted once
    values.put(
        FeatureType.BYTES,
        List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xfe}, new byte[] {(byte) 0xff}));
    values.put(FeatureType.TIMESTAMP, List.of(i, i.plusMillis(1), i));
    values.put(FeatureType.INT64, List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L));
    Map<FeatureType, long[]> e = estimates(values);
    Map<FeatureType, Long> expected =
        Map.of(
            FeatureType.FLOAT64, 3L,
            FeatureType.FLOAT32, 3L,
            FeatureType.BOOL, 2L,
            FeatureType.BYTES, 2L,
            FeatureType.TIMESTAMP, 2L,
            FeatureType.INT64, 3L);
    // count(column) counts the non-null values (shorter columns are padded with nulls)
    expected.forEach(
        (t, n) ->
            assertThat(e.get(t))
                .as("%s: count_distinct online, offline; count online, offline", t)
                .containsExactly(n, n, values.get(t).size(), values.get(t).size()));
  }

  /**
   * Tiles written before the canonical encoding hashed {@code CAST(x AS STRING)}: for integers,
   * strings, booleans and UTF-8 bytes that text is the canonical bytes, so those tiles stay exact,
   * except that they never counted an empty value (the sketch skips an empty array; the job now
   * hashes {@code C0 80} for it, docs/online-store.md "count_distinct input").
   */
  @Test
  void integerStringBoolAndUtf8BytesKeepTheTextTheJobHashedBefore() throws Exception {
    Map<FeatureType, List<Object>> values = new LinkedHashMap<>();
    values.put(FeatureType.INT64, List.of(0L, -42L, Long.MAX_VALUE));
    values.put(FeatureType.INT32, List.of(7, Integer.MIN_VALUE, 0));
    values.put(FeatureType.STRING, List.of("a", "é€", "x\u0000y"));
    values.put(FeatureType.BOOL, List.of(true, false, true));
    values.put(
        FeatureType.BYTES,
        List.of("héllo".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[] {65}));
    List<FeatureType> types = new ArrayList<>(values.keySet());
    String view = createInput(values);
    StringBuilder sql = new StringBuilder("SELECT ");
    for (FeatureType t : types) {
      sql.append(t == types.get(0) ? "" : ", ")
          .append("CAST(")
          .append(column(t))
          .append(" AS STRING)");
    }
    try (CloseableIterator<Row> it = env.executeSql(sql + " FROM " + view).collect()) {
      for (int row = 0; row < 3; row++) {
        Row out = it.next();
        for (int c = 0; c < types.size(); c++) {
          Object v = values.get(types.get(c)).get(row);
          String text = (String) out.getField(c);
          // an empty value's text is empty, which the sketch skipped: such tiles never counted
          // it, and the job now hashes a marker instead (DistinctValues: C0 80)
          assertThat(text.getBytes(StandardCharsets.UTF_8))
              .as("CAST(%s AS STRING) = '%s'", types.get(c), text)
              .isEqualTo(text.isEmpty() ? new byte[0] : DistinctValues.bytes(v));
          if (text.isEmpty()) {
            assertThat(DistinctValues.bytes(v)).containsExactly((byte) 0xC0, (byte) 0x80);
          }
        }
      }
    }
  }

  private static String column(FeatureType t) {
    return "`" + JobPlanner.OFFLINE_INPUT_PREFIX + "x_" + t.scalar().name().toLowerCase() + "`";
  }

  private static Aggregation aggregation(FeatureType t) {
    return aggregation(t, AggregationFunction.COUNT_DISTINCT);
  }

  private static Aggregation aggregation(FeatureType t, AggregationFunction f) {
    return new Aggregation("x_" + t.scalar().name().toLowerCase(), f, Duration.ofDays(1), 0);
  }

  /**
   * Per type, {online, offline} count_distinct and then {online, offline} count(column) over its
   * values: online from one QUIVER_TILES call over every column (one Flink job), offline from one
   * sweep. Before, the job gave count(column) the literal 1, so it counted null values.
   */
  private static Map<FeatureType, long[]> estimates(Map<FeatureType, List<Object>> values)
      throws Exception {
    List<FeatureType> types = new ArrayList<>(values.keySet());
    FeatureType dtype = FeatureType.INT64;
    List<String> specs = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    List<Aggregation> aggs = new ArrayList<>();
    for (AggregationFunction f :
        List.of(AggregationFunction.COUNT_DISTINCT, AggregationFunction.COUNT)) {
      for (FeatureType t : types) {
        aggs.add(aggregation(t, f));
      }
    }
    for (Aggregation a : aggs) {
      specs.add(TileBundleAggregate.seriesSpec(a, dtype));
      inputs.add(JobPlanner.tileInput(a, dtype));
    }
    String view = createInput(values);
    String sql =
        "SELECT "
            + JobPlanner.TILE_FUNCTION
            + "('"
            + String.join(";", specs)
            + "', CAST("
            + T0
            + " AS BIGINT), CAST(1 AS BIGINT), "
            + String.join(", ", inputs)
            + ") FROM "
            + view;
    byte[] bundle;
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      bundle = (byte[]) it.next().getField(0);
    }
    Map<FeatureType, long[]> out = new LinkedHashMap<>();
    List<ViewPlan.AggPlan> plans = new ArrayList<>();
    for (int s = 0; s < aggs.size(); s++) {
      Aggregation a = aggs.get(s);
      int c = s % types.size();
      TileAggregator agg =
          TileAggregators.forFeature(new Feature("f", dtype, "", null, a, Map.of()));
      byte[] state =
          TileBundle.find(bundle, TileBundle.names(List.of(TileAggregators.seriesName(a)))[0]);
      long[] e = out.computeIfAbsent(types.get(c), t -> new long[4]);
      e[s < types.size() ? 0 : 2] = (Long) agg.finish(agg.decode(state));
      plans.add(
          new ViewPlan.AggPlan(
              a.function(), a.column(), a.window().toMillis(), 0, c, dtype.scalar(), false));
    }
    ViewPlan plan = new ViewPlan(0, "v:1", new int[0], plans, 0, Long.MAX_VALUE / 4, 3_600_000L, 0);
    List<SweepRow> sweep = new ArrayList<>();
    int rows = values.values().stream().mapToInt(List::size).max().orElse(0);
    for (int i = 0; i < rows; i++) {
      Object[] v = new Object[types.size()];
      for (int c = 0; c < v.length; c++) {
        List<Object> vs = values.get(types.get(c));
        // as the offline readers give them: a TIMESTAMP as epoch millis
        v[c] =
            i >= vs.size() ? null : vs.get(i) instanceof Instant t ? t.toEpochMilli() : vs.get(i);
      }
      sweep.add(SweepRow.event("k", 0, T0 + i, i, 0, v));
    }
    SweepRow label = SweepRow.label("k", T0 + 3_600_000L - 1, new Object[0], aggs.size());
    sweep.add(label);
    new PointInTimeSweep(List.of(plan), false).sweep(sweep, x -> {});
    for (int s = 0; s < aggs.size(); s++) {
      out.get(types.get(s % types.size()))[s < types.size() ? 1 : 3] = (Long) label.features[s];
    }
    return out;
  }

  /**
   * A view of the values, one column per type (shorter columns padded with nulls), from a data
   * stream: VALUES literals are BigDecimals, which have no NaN and no -0.0.
   */
  private static String createInput(Map<FeatureType, List<Object>> values) {
    String name = "events";
    env.dropTemporaryView(name);
    List<FeatureType> types = new ArrayList<>(values.keySet());
    int n = values.values().stream().mapToInt(List::size).max().orElse(0);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object[] v = new Object[types.size()];
      for (int c = 0; c < v.length; c++) {
        List<Object> vs = values.get(types.get(c));
        v[c] = i < vs.size() ? vs.get(i) : null;
      }
      rows.add(Row.of(v));
    }
    List<DataTypes.Field> fields = new ArrayList<>();
    for (FeatureType t : types) {
      fields.add(DataTypes.FIELD(column(t).replace("`", ""), TYPES.get(t)));
    }
    DataType rowType = DataTypes.ROW(fields.toArray(DataTypes.Field[]::new));
    env.createTemporaryView(
        name, env.fromDataStream(flink.fromData(rows, ExternalTypeInfo.of(rowType))));
    return name;
  }
}
