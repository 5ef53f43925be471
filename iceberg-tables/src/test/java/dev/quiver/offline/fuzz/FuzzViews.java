package dev.quiver.offline.fuzz;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The generator and the plain reference of the randomized differential tests ({@code
 * FuzzDifferentialITCase} in jobs, which runs every materialization path, and {@code
 * SparkFuzzDifferentialITCase} in iceberg-tables-spark, which runs the Spark training-set path): a
 * seeded feature view as YAML with its adversarial event log ({@link Spec#generate}), and what each
 * path must hold for it — the events the streaming job accepts, the offline rows, and the value of
 * every feature for a key at a time ({@link Spec#expected}). Flink-free, so that both modules judge
 * against the same reference.
 */
public final class FuzzViews {
  private FuzzViews() {}

  /** How the streaming job is interrupted partway through the log. */
  public enum Restart {
    /** Not at all: the whole log is in Kafka before the job starts. */
    NONE,
    /** Its task manager is terminated; the job restarts from its last checkpoint on a new one. */
    FAILURE,
    /** It is cancelled, and a new job is restored from its last retained checkpoint. */
    RESTORE
  }

  /** The offline table rows of {@code events}, each formatted as by {@link #row}, sorted. */
  public static List<String> expectedRows(Spec spec, List<Ev> events, boolean withIngestedAt) {
    List<String> out = new ArrayList<>();
    for (Ev e : events) {
      out.add(row(spec, e, withIngestedAt).toString());
    }
    out.sort(null);
    return out;
  }

  /**
   * The offline table row of one event (or window) as the streaming job writes it: the join keys,
   * {@code event_time}, the row features, the aggregations' input columns, {@code _seq} and (with
   * {@code withIngestedAt}) {@code _ingested_at}, as plain values ({@link #normalize}).
   */
  public static Map<String, Object> row(Spec spec, Ev e, boolean withIngestedAt) {
    Map<String, Object> row = new TreeMap<>();
    for (int i = 0; i < spec.keys.size(); i++) {
      row.put(spec.keys.get(i).name(), normalize(e.key.get(i)));
    }
    row.put(OfflineTables.EVENT_TIME, e.ts);
    for (Feature f : spec.view.features()) {
      if (!f.isAggregation()) {
        row.put(f.name(), normalize(spec.rowValue(f, e)));
      }
    }
    for (String c : spec.inputColumns()) {
      row.put(OfflineTables.INPUT_PREFIX + c, normalize(e.values.get(c)));
    }
    row.put(OfflineTables.SEQ, e.offset);
    if (withIngestedAt) {
      row.put(OfflineTables.INGESTED_AT, e.kafkaTs);
    }
    return row;
  }

  /** Plain Java values: Long for integers, Double for floats, String, lists of those. */
  public static Object normalize(Object v) {
    if (v instanceof List<?> l) {
      return l.stream().map(FuzzViews::normalize).toList();
    }
    if (v instanceof CharSequence cs) {
      return cs.toString();
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    if (v instanceof Short i) {
      return i.longValue();
    }
    if (v instanceof Float x) {
      return x.doubleValue();
    }
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    if (v instanceof OffsetDateTime odt) {
      return odt.toInstant().toEpochMilli();
    }
    return v;
  }

  /** A label table of every key at every time, with each row's {@code key@t} id by label_id. */
  public record Labels(Schema schema, List<Record> rows, List<String> ids) {}

  /** The labels of a training-set check: label_id, the view's join keys, label_ts. */
  public static Labels labels(Spec spec, List<List<Object>> keys, Set<Long> times) {
    List<Types.NestedField> fields = new ArrayList<>();
    fields.add(Types.NestedField.required(1, "label_id", Types.IntegerType.get()));
    int id = 2;
    for (JoinKey k : spec.keys) {
      Type type =
          switch (k.type().scalar()) {
            case INT32 -> Types.IntegerType.get();
            case INT64 -> Types.LongType.get();
            default -> Types.StringType.get();
          };
      fields.add(Types.NestedField.optional(id++, k.name(), type));
    }
    fields.add(Types.NestedField.optional(id, "label_ts", Types.TimestampType.withZone()));
    Schema schema = new Schema(fields);
    List<Record> labels = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (long t : times) {
      for (List<Object> k : keys) {
        GenericRecord r = GenericRecord.create(schema);
        r.setField("label_id", ids.size());
        for (int i = 0; i < spec.keys.size(); i++) {
          r.setField(spec.keys.get(i).name(), k.get(i));
        }
        r.setField("label_ts", OfflineWriter.timestamptz(t));
        labels.add(r);
        ids.add(k + "@" + t);
      }
    }
    return new Labels(schema, labels, ids);
  }

  // ------------------------------------------------------------ the generated view and events

  /** One record of the log: its meaning (null key when malformed) and bytes. */
  public static final class Ev {
    public String id;
    public List<Object> key;
    public long ts;
    public Map<String, Object> values = new HashMap<>();
    public byte[] bytes;
    public String malformed;
    public int partition;
    public long offset;
    public long kafkaTs;

    public Ev copy() {
      Ev e = new Ev();
      e.id = id;
      e.key = key;
      e.ts = ts;
      e.values = values;
      e.bytes = bytes;
      e.malformed = malformed;
      e.partition = partition;
      return e;
    }
  }

  /** A value column of the source. */
  public record Col(String name, String type) {}

  public static final List<Col> COLUMNS =
      List.of(
          new Col("v_int", "INT32"),
          new Col("v_long", "INT64"),
          new Col("v_double", "FLOAT64"),
          new Col("v_str", "STRING"),
          new Col("v_float", "FLOAT32"),
          new Col("v_bool", "BOOL"),
          new Col("v_time", "TIMESTAMP"));

  public static final String[] STRINGS = {
    "a",
    "b",
    "c",
    "d",
    "e",
    "é",
    "ü",
    "Zeta",
    "a,b",
    "x y",
    "",
    "q\"uote",
    "back\\slash",
    "line\nbreak",
    "\uD83D\uDE00",
    "\uFB00",
    "nul\u0000",
    "\u00e9t\u00e9"
  };

  /**
   * An aggregate of a tumbling-window view: its SQL, the source column whose magnitudes a floating
   * result folds (or null), and its plain evaluation over a window's events.
   */
  public record TumbleFeature(
      String name, String dtype, String sql, String column, Function<List<Ev>, Object> eval) {}

  /** A row feature: its YAML and its plain evaluation. */
  public record RowFeature(String name, String dtype, String expr, Function<Ev, Object> eval) {}

  public static final List<RowFeature> ROW_FEATURES =
      List.of(
          new RowFeature("r_long", "INT64", "v_long", e -> e.values.get("v_long")),
          new RowFeature("v_int", "INT32", null, e -> e.values.get("v_int")),
          new RowFeature(
              "r_upper",
              "STRING",
              "UPPER(v_str)",
              e ->
                  e.values.get("v_str") == null
                      ? null
                      : ((String) e.values.get("v_str")).toUpperCase(Locale.ROOT)),
          new RowFeature(
              "r_dbl2",
              "FLOAT64",
              "v_double * 2",
              e -> e.values.get("v_double") == null ? null : (Double) e.values.get("v_double") * 2),
          new RowFeature(
              "r_ratio",
              "FLOAT64",
              "v_double / v_int",
              e -> {
                Double d = (Double) e.values.get("v_double");
                Integer i = (Integer) e.values.get("v_int");
                return d == null || i == null || i == 0 ? null : d / i;
              }),
          new RowFeature(
              "r_sum2",
              "INT64",
              "CAST(v_int AS BIGINT) + v_long",
              e -> {
                Integer i = (Integer) e.values.get("v_int");
                Long l = (Long) e.values.get("v_long");
                return i == null || l == null ? null : i.longValue() + l;
              }),
          new RowFeature("v_float", "FLOAT32", null, e -> e.values.get("v_float")),
          new RowFeature(
              "r_flag",
              "BOOL",
              "NOT v_bool",
              e -> e.values.get("v_bool") == null ? null : !(Boolean) e.values.get("v_bool")),
          new RowFeature("r_time", "TIMESTAMP", "v_time", e -> e.values.get("v_time")));

  public static final class Spec {
    public final long seed;
    public final String yaml;
    public final FeatureView view;
    public final List<JoinKey> keys;
    public final long tile;
    public final long ttl;
    public final long delay;
    public final long lateness;
    public final boolean dedup;
    public final long start;
    public final long anchor;
    public final List<Ev> log;
    public final Map<String, RowFeature> rowFeatures;
    public final List<List<Object>> entities;
    public final int partitions;
    public final java.util.function.Predicate<Ev> where;
    public final Restart restart;

    /** The GROUP BY TUMBLE window of a tumbling-window view (ms), 0 for an event view. */
    public final long window;

    /** A tumbling-window view's features: the SELECT's aggregates and their plain evaluation. */
    public final Map<String, TumbleFeature> tumbleFeatures;

    private Spec(
        long seed,
        String yaml,
        FeatureView view,
        List<JoinKey> keys,
        boolean dedup,
        long start,
        long anchor,
        List<Ev> log,
        Map<String, RowFeature> rowFeatures,
        List<List<Object>> entities,
        int partitions,
        java.util.function.Predicate<Ev> where,
        Restart restart,
        long window,
        Map<String, TumbleFeature> tumbleFeatures) {
      this.seed = seed;
      this.yaml = yaml;
      this.view = view;
      this.keys = keys;
      this.tile = view.tileSize().toMillis();
      this.ttl = view.ttl().toMillis();
      this.delay = view.source().watermarkDelay().toMillis();
      this.lateness = view.allowedLateness().toMillis();
      this.dedup = dedup;
      this.start = start;
      this.anchor = anchor;
      this.log = log;
      this.rowFeatures = rowFeatures;
      this.entities = entities;
      this.partitions = partitions;
      this.where = where;
      this.restart = restart;
      this.window = window;
      this.tumbleFeatures = tumbleFeatures;
    }

    /** The same log and reference for another version of the view (its features may differ). */
    public Spec withView(FeatureView other) {
      return new Spec(
          seed,
          yaml,
          other,
          keys,
          dedup,
          start,
          anchor,
          log,
          rowFeatures,
          entities,
          partitions,
          where,
          restart,
          window,
          tumbleFeatures);
    }

    /**
     * Whether a new major of this view starts mid-stream beside it: {@code
     * -Dquiver.fuzz.major=always|never|cycle} (default cycle: the event views {@code k = 2·seed +
     * index} with {@code k mod 6 = 5}, whose job is not restarted; seed 2 view 1 among seeds 1..3).
     */
    public boolean newMajor() {
      if (tumbling() || restart != Restart.NONE) {
        return false;
      }
      return switch (System.getProperty("quiver.fuzz.major", "cycle")) {
        case "always" -> true;
        case "never" -> false;
        default -> (2 * seed + view.name().charAt(view.name().length() - 1) - '0') % 6 == 5;
      };
    }

    public boolean tumbling() {
      return window > 0;
    }

    /**
     * A tumbling-window view's rows: per entity and window {@code [s, s + W)} ({@code s} a multiple
     * of W from the epoch) that holds events, one row at its end {@code e = s + W} if {@code e <=
     * cut}, with {@code _seq} and {@code _ingested_at} the largest of its events'
     * (docs/materialization.md, "Tumbling window per entity"). Each row is an {@link Ev} whose
     * event time is {@code e} and whose values are the features', so the row-feature reference
     * (newest row with {@code event_time <= t}, TTL, availability) applies to it unchanged.
     */
    public List<Ev> windows(List<Ev> events, long cut) {
      Map<List<Object>, TreeMap<Long, List<Ev>>> groups = new LinkedHashMap<>();
      for (Ev e : events) {
        long end = Math.floorDiv(e.ts, window) * window + window;
        if (end <= cut) {
          groups
              .computeIfAbsent(e.key, k -> new TreeMap<>())
              .computeIfAbsent(end, k -> new ArrayList<>())
              .add(e);
        }
      }
      List<Ev> out = new ArrayList<>();
      groups.forEach(
          (key, byEnd) ->
              byEnd.forEach(
                  (end, in) -> {
                    Ev w = new Ev();
                    w.key = key;
                    w.ts = end;
                    w.offset = in.stream().mapToLong(e -> e.offset).max().orElseThrow();
                    w.kafkaTs = in.stream().mapToLong(e -> e.kafkaTs).max().orElseThrow();
                    for (TumbleFeature f : tumbleFeatures.values()) {
                      w.values.put(f.name(), f.eval().apply(in));
                      // the magnitudes a floating sum folds (its tolerance, in agree)
                      double scale = 1;
                      for (Ev e : in) {
                        if (f.column() != null && e.values.get(f.column()) instanceof Number n) {
                          scale += Math.abs(n.doubleValue());
                        }
                      }
                      w.values.put("|" + f.name(), scale);
                    }
                    out.add(w);
                  }));
      return out;
    }

    /**
     * The streaming job's window cut: a window ending at e is emitted once the watermark, the
     * smallest over the partitions of (largest accepted event time − delay − lateness) − 1, is at
     * least e − 1 ({@code EventTimeWatermarks}); with {@code largest}, the largest over the
     * partitions instead (a partition that fell idle first no longer holds the others back).
     */
    public long windowCut(boolean largest) {
      Map<Integer, Long> maxes = new HashMap<>();
      for (Ev e : accepted(lateness, false, false)) {
        maxes.merge(e.partition, e.ts, Math::max);
      }
      java.util.stream.LongStream cuts =
          maxes.values().stream().mapToLong(m -> m - delay - lateness);
      return largest ? cuts.max().orElseThrow() : cuts.min().orElseThrow();
    }

    /** The events usable offline at t: {@code event_time <= t - availability_delay}. */
    public List<Ev> usable(List<Ev> events, long t) {
      long d = view.availabilityDelay().toMillis();
      return d == 0 ? events : events.stream().filter(e -> e.ts <= t - d).toList();
    }

    public long latenessCut() {
      return lateness;
    }

    public List<Ev> accepted(long lateness) {
      return accepted(lateness, false);
    }

    /**
     * The events the job keeps: the gate (too late when below the highest event time accepted
     * before it − delay − lateness), then dedup (first copy per entity and dedup key); with {@code
     * gateOnly} the events that pass the gate, duplicates included.
     */
    public List<Ev> accepted(long lateness, boolean gateOnly) {
      return accepted(lateness, gateOnly, true);
    }

    /** As above; without {@code filtered}, the transformation's WHERE is not applied. */
    public List<Ev> accepted(long lateness, boolean gateOnly, boolean filtered) {
      Map<Integer, Long> maxes = new HashMap<>(); // the gate is per partition
      Set<String> seen = new HashSet<>();
      List<Ev> out = new ArrayList<>();
      for (Ev e : log) {
        if (e.malformed != null) {
          continue;
        }
        Long max = maxes.get(e.partition);
        if (max != null && e.ts < max - delay - lateness) {
          continue;
        }
        maxes.put(e.partition, max == null ? e.ts : Math.max(max, e.ts));
        if (gateOnly || !dedup || seen.add(e.key + "\u0000" + e.id)) {
          // a transformation's WHERE filters the deduplicated events
          if (gateOnly || !filtered || where == null || where.test(e)) {
            out.add(e);
          }
        }
      }
      return out;
    }

    public List<String> inputColumns() {
      TreeSet<String> out = new TreeSet<>();
      for (Feature f : view.features()) {
        if (f.isAggregation() && !f.aggregation().column().equals("*")) {
          out.add(f.aggregation().column());
        }
      }
      return List.copyOf(out);
    }

    public Object rowValue(Feature f, Ev e) {
      if (tumbling()) {
        return e.values.get(f.name()); // a window row (see windows)
      }
      return rowFeatures.get(f.name()).eval().apply(e);
    }

    public List<List<Object>> entityKeys(List<Ev> accepted) {
      List<List<Object>> out = new ArrayList<>(entities);
      // a key with no events at all
      List<Object> never = new ArrayList<>();
      for (JoinKey k : keys) {
        never.add(
            switch (k.type().scalar()) {
              case INT32 -> 999;
              case INT64 -> 999_999L;
              default -> "never";
            });
      }
      out.add(never);
      return out;
    }

    /** Sample times: tile ends (into {@code tileEnds}) and any times, for rows and offline. */
    public TreeSet<Long> sampleTimes(List<Ev> accepted, TreeSet<Long> tileEnds) {
      Random r = new Random(new java.util.SplittableRandom(seed * 31 + 7).nextLong());
      long min = accepted.stream().mapToLong(e -> e.ts).min().orElse(start);
      long max = accepted.stream().mapToLong(e -> e.ts).max().orElse(anchor);
      TreeSet<Long> out = new TreeSet<>();
      List<Long> windows =
          view.features().stream()
              .filter(Feature::isAggregation)
              .map(f -> f.aggregation().window().toMillis())
              .distinct()
              .toList();
      // tile ends across the events, before the first one, and after the last (decay)
      tileEnds.add(Math.floorDiv(min, tile) * tile - 1);
      for (int i = 0; i < 40; i++) {
        long t = r.nextLong(min, max + 1);
        tileEnds.add(Math.floorDiv(t, tile) * tile + tile - 1);
      }
      for (long w : windows) {
        tileEnds.add(Math.floorDiv(max, tile) * tile + w - 1); // the last tile still in
        tileEnds.add(Math.floorDiv(max, tile) * tile + w + tile - 1); // just out
      }
      // window edges: an event on the tile grid is the first (t = ts + W − 1) or just out
      List<Ev> onGrid = accepted.stream().filter(e -> Math.floorMod(e.ts, tile) == 0).toList();
      for (int i = 0; i < 25 && !onGrid.isEmpty() && !windows.isEmpty(); i++) {
        long ts = onGrid.get(r.nextInt(onGrid.size())).ts;
        long w = windows.get(r.nextInt(windows.size()));
        tileEnds.add(ts + w - 1);
        tileEnds.add(ts + w + tile - 1);
        tileEnds.add(ts - 1);
        tileEnds.add(ts + tile - 1);
      }
      out.addAll(tileEnds);
      // row features: event times, 1 ms before, TTL edges, random times
      for (int i = 0; i < 30 && !accepted.isEmpty(); i++) {
        long ts = accepted.get(r.nextInt(accepted.size())).ts;
        out.add(ts);
        out.add(ts - 1);
        out.add(ts + ttl - 1);
        out.add(ts + ttl);
        out.add(r.nextLong(min - tile, max + 2 * tile));
      }
      return out;
    }

    // ---------------------------------------------------------- the reference

    /** The expected value of {@code f} for {@code key} at {@code t}. */
    public Object expected(List<Ev> accepted, List<Object> key, Feature f, long t) {
      List<Ev> mine =
          accepted.stream()
              .filter(e -> e.key.equals(key) && e.ts <= t)
              .sorted(Comparator.comparingLong((Ev e) -> e.ts).thenComparingLong(e -> e.offset))
              .toList();
      if (!f.isAggregation()) {
        if (mine.isEmpty()) {
          return null;
        }
        Ev latest = mine.get(mine.size() - 1);
        return latest.ts <= t - ttl ? null : normalize(rowValue(f, latest));
      }
      long w = f.aggregation().window().toMillis();
      long from = Math.floorDiv(t, tile) * tile + tile - w;
      String col = f.aggregation().column();
      List<Ev> in = mine.stream().filter(e -> e.ts >= from).toList();
      if (col.equals("*")) {
        return (long) in.size();
      }
      List<Object> values = new ArrayList<>();
      for (Ev e : in) {
        if (e.values.get(col) != null) {
          values.add(e.values.get(col));
        }
      }
      int n = values.size();
      return switch (f.aggregation().function()) {
        case COUNT -> (long) n;
        case SUM -> {
          if (values.isEmpty()) {
            yield floating(col) ? (Object) 0.0 : (Object) 0L;
          }
          if (floating(col)) {
            double s = 0;
            for (Object v : values) {
              s += ((Number) v).doubleValue();
            }
            yield s;
          }
          // an INT64 sum beyond the long range is null
          java.math.BigInteger s = java.math.BigInteger.ZERO;
          for (Object v : values) {
            s = s.add(java.math.BigInteger.valueOf(((Number) v).longValue()));
          }
          yield s.bitLength() < 64 ? (Object) s.longValue() : null;
        }
        case AVG -> {
          if (n == 0) {
            yield null;
          }
          double s = 0;
          for (Object v : values) {
            s += ((Number) v).doubleValue();
          }
          yield s / n;
        }
        case STDDEV -> {
          if (n < 2) {
            yield null;
          }
          double s = 0;
          for (Object v : values) {
            s += ((Number) v).doubleValue();
          }
          double mean = s / n;
          double ss = 0;
          for (Object v : values) {
            double d = ((Number) v).doubleValue() - mean;
            ss += d * d;
          }
          yield Math.sqrt(ss / (n - 1));
        }
        case MIN, MAX -> {
          Object best = null;
          for (Object v : values) {
            if (best == null) {
              best = v;
            } else {
              int c = compare(v, best);
              if (f.aggregation().function() == dev.quiver.core.spec.AggregationFunction.MIN
                  ? c < 0
                  : c > 0) {
                best = v;
              }
            }
          }
          yield normalize(best);
        }
        case FIRST -> n == 0 ? null : normalize(values.get(0));
        case LAST -> n == 0 ? null : normalize(values.get(n - 1));
        case LAST_N -> {
          List<Object> out = new ArrayList<>();
          for (int i = n - 1; i >= 0 && out.size() < f.aggregation().n(); i--) {
            out.add(normalize(values.get(i)));
          }
          yield out;
        }
        case COUNT_DISTINCT -> {
          Set<Object> d = new HashSet<>();
          for (Object v : values) {
            // -0.0 is 0.0; a FLOAT32 is its exact FLOAT64 widening
            Object c = v instanceof Float x ? (Object) x.doubleValue() : v;
            d.add(c instanceof Double x && x == 0.0 ? (Object) 0.0 : c);
          }
          yield (long) d.size();
        }
        default -> throw new IllegalArgumentException(f.name());
      };
    }

    private static boolean floating(String column) {
      return column.equals("v_double") || column.equals("v_float");
    }

    /** Strings by Unicode code point (as SQL, Flink's MAX and Python order them). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
      if (a instanceof String x && b instanceof String y) {
        return byCodePoint(x, y);
      }
      return ((Comparable) a).compareTo(b);
    }

    static int byCodePoint(String a, String b) {
      int[] x = a.codePoints().toArray();
      int[] y = b.codePoints().toArray();
      return java.util.Arrays.compare(x, y);
    }

    /**
     * Equal; doubles within 1e-9 of the sum of the magnitudes folded into them (the three sides
     * fold in different orders), count_distinct exactly up to 200 and within 3 × 1.6% above.
     */
    public boolean agree(
        Feature f, Object got, Object want, List<Ev> accepted, List<Object> key, long t) {
      if (got instanceof Double x && want instanceof Double y) {
        if (x.equals(y)) {
          return true;
        }
        double scale = 1;
        if (f.isAggregation() && !f.aggregation().column().equals("*")) {
          long w = f.aggregation().window().toMillis();
          long from = Math.floorDiv(t, tile) * tile + tile - w;
          for (Ev e : accepted) {
            Object v = e.values.get(f.aggregation().column());
            if (e.key.equals(key) && e.ts >= from && e.ts <= t && v instanceof Number num) {
              scale += Math.abs(num.doubleValue());
            }
          }
        } else if (tumbling()) {
          // the window row the reference read at t: its folded magnitudes
          Ev row = null;
          for (Ev e : accepted) {
            if (e.key.equals(key) && e.ts <= t && (row == null || e.ts > row.ts)) {
              row = e;
            }
          }
          scale = row == null ? 1 : (Double) row.values.get("|" + f.name());
        } else {
          scale = Math.max(1, Math.abs(y));
        }
        return Math.abs(x - y) <= 1e-9 * scale;
      }
      if (f.isAggregation()
          && f.aggregation().function() == dev.quiver.core.spec.AggregationFunction.COUNT_DISTINCT
          && got instanceof Long g
          && want instanceof Long w) {
        // exact in the sketch's exact range (CountDistinctTest): 3 × 1.6% rounded up let every
        // small count be off by one, which hid that an empty string was never counted
        return w <= 200 ? g.equals(w) : Math.abs(g - w) <= Math.ceil(3 * 0.016 * w);
      }
      return Objects.equals(got, want);
    }

    // ---------------------------------------------------------- generation

    public static Spec generate(long seed, int index, long anchor) {
      Random r = new Random(new java.util.SplittableRandom(seed * 1_000_003L + index).nextLong());
      String suffix = seed + "_" + index;
      // the kind of view is drawn apart from r, so that a seed's log does not depend on it
      Random rt = new Random(new java.util.SplittableRandom(seed * 7_919L + index).nextLong());
      boolean tumbling = tumble(seed, index);
      // tiles, including ones that do not divide an hour
      long[] tiles = {60_000, 90_000, 300_000, 420_000, 600_000, 900_000, 2_700_000, 3_600_000};
      long tile = tiles[r.nextInt(tiles.length)];
      long[] ttls = {
        3 * 3_600_000L, 86_400_000L, 2 * 86_400_000L, 7 * 86_400_000L, 30 * 86_400_000L
      };
      long ttl = ttls[r.nextInt(ttls.length)];
      ttl = Math.max(ttl, 4 * tile);
      // windows: multiples of the tile, up to the TTL
      TreeSet<Long> windowSet = new TreeSet<>();
      long[] candidates = {
        tile,
        2 * tile,
        3 * tile,
        7 * tile,
        13 * tile,
        60 * tile,
        3_600_000L,
        86_400_000L,
        129_600_000L,
        7 * 86_400_000L,
        30 * 86_400_000L
      };
      int nWindows = 2 + r.nextInt(3);
      for (int i = 0; i < 30 && windowSet.size() < nWindows; i++) {
        long w = candidates[r.nextInt(candidates.length)];
        if (w % tile == 0 && w <= ttl) {
          windowSet.add(w);
        }
      }
      windowSet.add(tile);
      List<Long> windows = List.copyOf(windowSet);
      long[] delays = {0, 1_000, 5_000, 30_000, 300_000};
      long delay = delays[r.nextInt(delays.length)];
      long[] latenesses = {0, 10_000, 60_000, 600_000};
      long lateness = latenesses[r.nextInt(latenesses.length)];
      boolean dedup = r.nextInt(3) != 0;
      boolean tsAsLong = r.nextInt(3) == 0;
      // keys: one or two join keys
      List<String[]> keyDefs = new ArrayList<>();
      keyDefs.add(new String[] {"k1", r.nextBoolean() ? "STRING" : "INT64"});
      if (r.nextInt(3) == 0) {
        keyDefs.add(new String[] {"k2", r.nextBoolean() ? "STRING" : "INT32"});
      }
      StringBuilder y = new StringBuilder();
      // two join keys: of one entity, or two entities of one key each
      String entity = "acct_" + suffix;
      boolean twoEntities = keyDefs.size() == 2 && r.nextBoolean();
      List<String> entityNames = new ArrayList<>();
      for (int i = 0; i < keyDefs.size(); i++) {
        if (i == 0 || twoEntities) {
          String name = i == 0 ? entity : "shop_" + suffix;
          entityNames.add(name);
          y.append(i == 0 ? "" : "---\n");
          y.append("kind: entity\nname: ").append(name).append("\njoin_keys:\n");
        }
        String[] k = keyDefs.get(i);
        y.append("  - {name: ").append(k[0]).append(", type: ").append(k[1]).append("}\n");
      }
      String source = "src_" + suffix;
      String topic = "fuzz-" + suffix + "-" + Long.toHexString(anchor);
      y.append("---\nkind: kafka\nname: ").append(source).append("\nschema:\n");
      y.append("  - {name: id, type: STRING}\n");
      for (String[] k : keyDefs) {
        y.append("  - {name: ").append(k[0]).append(", type: ").append(k[1]).append("}\n");
      }
      for (Col c : COLUMNS) {
        y.append("  - {name: ").append(c.name()).append(", type: ").append(c.type()).append("}\n");
      }
      y.append("  - {name: ts, type: ").append(tsAsLong ? "INT64" : "TIMESTAMP").append("}\n");
      y.append("event_time_field: ts\n");
      if (dedup) {
        y.append("dedup_key: id\n");
      }
      y.append("watermark_delay: ").append(dur(delay)).append('\n');
      y.append("options: {topic: ").append(topic).append(", format: json}\n");
      y.append("---\nname: fuzz_").append(suffix).append('\n');
      y.append("entities: [").append(String.join(", ", entityNames)).append("]\n");
      y.append("source: ").append(source).append('\n');
      y.append("ttl: ").append(dur(ttl)).append('\n');
      y.append("tile_size: ").append(dur(tile)).append('\n');
      y.append("allowed_lateness: ").append(dur(lateness)).append('\n');
      long availability = new long[] {0, 0, 0, 1_000, 60_000, 900_000}[r.nextInt(6)];
      if (availability > 0) {
        y.append("availability_delay: ").append(dur(availability)).append('\n');
      }
      // the features of an event view are drawn from r even for a tumbling-window view, so that
      // the log of a seed does not depend on the kind of its view
      StringBuilder eventView = y;
      y = new StringBuilder();
      y.append("features:\n");
      Map<String, RowFeature> rowFeatures = new LinkedHashMap<>();
      List<RowFeature> rows = new ArrayList<>(ROW_FEATURES);
      java.util.Collections.shuffle(rows, r);
      for (RowFeature f : rows.subList(0, 1 + r.nextInt(3))) {
        rowFeatures.put(f.name(), f);
        y.append("  - name: ")
            .append(f.name())
            .append("\n    dtype: ")
            .append(f.dtype())
            .append('\n');
        if (f.expr() != null) {
          y.append("    expr: '").append(f.expr()).append("'\n");
        }
      }
      String[] functions = {
        "count", "sum", "avg", "min", "max", "stddev", "first", "last", "last_n", "count_distinct"
      };
      int nAggs = 3 + r.nextInt(5);
      for (int i = 0; i < nAggs; i++) {
        String fn = functions[r.nextInt(functions.length)];
        List<Col> ok =
            COLUMNS.stream()
                .filter(
                    c ->
                        switch (fn) {
                          case "sum", "avg", "stddev" ->
                              !List.of("STRING", "BOOL", "TIMESTAMP").contains(c.type());
                          case "min", "max" -> !c.type().equals("BOOL");
                          default -> true;
                        })
                .toList();
        String column =
            fn.equals("count") && r.nextBoolean() ? "*" : ok.get(r.nextInt(ok.size())).name();
        y.append("  - name: a").append(i).append('_').append(fn).append('\n');
        y.append("    aggregation: {column: '").append(column).append("', function: ").append(fn);
        if (fn.equals("last_n")) {
          y.append(", n: ").append(1 + r.nextInt(5));
        }
        // several windows of one function and column share tiles
        List<Long> ws = new ArrayList<>(windows);
        java.util.Collections.shuffle(ws, r);
        ws = ws.subList(0, 1 + r.nextInt(Math.min(2, ws.size())));
        y.append(", windows: [");
        y.append(String.join(", ", ws.stream().sorted().map(Spec::dur).toList()));
        y.append("]}\n");
      }
      // a SQL transformation that filters the events, sometimes
      java.util.function.Predicate<Ev> where = null;
      if (r.nextInt(4) == 0) {
        y.append("transformations:\n  - language: sql\n    code: \"SELECT * FROM ")
            .append(source)
            .append(" WHERE v_int IS NULL OR v_int > -20\"\n");
        where = e -> e.values.get("v_int") == null || (Integer) e.values.get("v_int") > -20;
      }
      long window = 0;
      Map<String, TumbleFeature> tumbleFeatures = new LinkedHashMap<>();
      if (tumbling) {
        long span = Math.min((long) (ttl * 0.7), 2 * 3_600_000L);
        long[] sizes = {60_000, 90_000, 300_000, 420_000, 900_000, 3_600_000};
        do {
          window = sizes[rt.nextInt(sizes.length)];
        } while (window > span / 4);
        where =
            rt.nextBoolean()
                ? null
                : e -> e.values.get("v_int") == null || (Integer) e.values.get("v_int") > -20;
        y = tumblingView(rt, window, source, keyDefs, where != null, tumbleFeatures);
        rowFeatures.clear();
      }
      String yaml = eventView.append(y).toString();
      FeatureRegistry.SpecBundle bundle =
          SpecParser.parse(yaml, "fuzz_" + suffix + ".yaml").bundle();
      FeatureView view = bundle.views().get(0);
      List<JoinKey> keys = new ArrayList<>();
      for (String name : view.entities()) {
        for (Entity ent : bundle.entities()) {
          if (ent.name().equals(name)) {
            keys.addAll(ent.joinKeys());
          }
        }
      }

      // entities
      int nEntities = 3 + r.nextInt(8);
      List<List<Object>> entities = new ArrayList<>();
      Set<List<Object>> seenKeys = new HashSet<>();
      while (entities.size() < nEntities) {
        List<Object> k = new ArrayList<>();
        for (JoinKey jk : keys) {
          k.add(
              switch (jk.type().scalar()) {
                case INT32 -> r.nextInt(4) - 1;
                case INT64 ->
                    r.nextBoolean() ? (long) r.nextInt(20) : -1_000_000_000_000L - r.nextInt(3);
                default ->
                    r.nextInt(5) == 0
                        ? new String[] {"k\u0000x", "k,1", "é", "k\u0001", " "}[r.nextInt(5)]
                        : "k" + r.nextInt(20);
              });
        }
        if (seenKeys.add(k)) {
          entities.add(List.copyOf(k));
        }
      }

      // event times: from start to anchor, with quiet gaps
      long span =
          Math.min(
              (long) (ttl * 0.7),
              new long[] {2 * 3_600_000L, 10 * 3_600_000L, 2 * 86_400_000L}[r.nextInt(3)]);
      long start = anchor - span;
      int n = 800 + r.nextInt(1200);
      List<long[]> gaps = new ArrayList<>();
      for (int g = 0; g < 2; g++) {
        long gs = start + (long) (r.nextDouble() * span);
        gaps.add(new long[] {gs, gs + (long) (r.nextDouble() * span * 0.25)});
      }
      List<Long> nominal = new ArrayList<>();
      while (nominal.size() < n) {
        long t = start + (long) (r.nextDouble() * span);
        boolean inGap = false;
        for (long[] g : gaps) {
          inGap |= t >= g[0] && t < g[1];
        }
        if (!inGap) {
          nominal.add(t);
        }
      }
      nominal.sort(null);
      // partitions: each entity's events go to one of them (some may stay idle)
      int drawn = 1 + r.nextInt(3);
      // a tumbling-window view's watermark is the smallest over the partitions heard from, so over
      // several partitions which windows close depends on when each is first read (the start
      // waits jobs.source-idle-timeout, 30 s, for them; docs/materialization.md): one partition by
      // default, several with -Dquiver.fuzz.tumble-partitions=many
      boolean one =
          tumbling && !System.getProperty("quiver.fuzz.tumble-partitions", "one").equals("many");
      int partitions = one ? 1 : drawn;
      Map<List<Object>, Integer> partitionOf = new HashMap<>();
      entities.forEach(k -> partitionOf.put(k, r.nextInt(partitions)));
      List<Ev> log = new ArrayList<>();
      List<Ev> valid = new ArrayList<>();
      Map<Integer, Long> maxes = new HashMap<>();
      long prevNominal = start - 1;
      long prevTs = start;
      for (int i = 0; i < n; i++) {
        long nom = nominal.get(i);
        List<Object> key = entities.get(r.nextInt(entities.size()));
        int partition = partitionOf.get(key);
        Long max = maxes.get(partition);
        long ts = nom;
        double p = r.nextDouble();
        long grid = Math.floorDiv(nom, tile) * tile;
        boolean crossed = grid > prevNominal;
        long bound = delay + lateness;
        if (max != null && p < 0.10) {
          ts = max - (bound == 0 ? 0 : r.nextLong(bound + 1)); // out of order, within the bound
        } else if (max != null && p < 0.13) {
          ts = max - bound - 1 - r.nextLong(2 * tile); // too late
        } else if (max != null && p < 0.14) {
          ts = max - bound; // at the lateness edge: accepted
        } else if (max != null && p < 0.15) {
          ts = max - bound - 1; // 1 ms beyond it: too late
        } else if (p < 0.23) {
          ts = prevTs; // equal timestamps
        } else if (crossed && p < 0.45) {
          ts = grid; // on a tile (window) edge
        } else if (crossed && p < 0.55 && grid - 1 > prevNominal) {
          ts = grid - 1; // 1 ms before it
        }
        prevNominal = nom;
        prevTs = ts;
        Ev e = new Ev();
        e.id = "e" + i;
        e.key = key;
        e.partition = partition;
        e.ts = ts;
        randomValues(r, e);
        e.bytes = json(e, keys, tsAsLong, r);
        if (max == null || ts >= max - bound) {
          maxes.put(partition, max == null ? ts : Math.max(max, ts));
        }
        log.add(e);
        valid.add(e);
        double q = r.nextDouble();
        if (q < 0.06) {
          // a re-sent copy, a little later in the log
          log.add(valid.get(Math.max(0, valid.size() - 1 - r.nextInt(5))).copy());
        } else if (q < 0.08) {
          // the same id and key with another payload (a duplicate only with a dedup key)
          Ev d = e.copy();
          d.values = new HashMap<>();
          randomValues(r, d);
          d.ts = e.ts + (r.nextBoolean() ? 0 : r.nextInt(1000));
          d.bytes = json(d, keys, tsAsLong, r);
          log.add(d);
        } else if (q < 0.10) {
          Ev bad = malformed(r, i, keys, tsAsLong);
          bad.partition = r.nextInt(partitions);
          log.add(bad);
        }
      }
      return new Spec(
          seed,
          yaml,
          view,
          keys,
          dedup,
          start,
          anchor,
          log,
          rowFeatures,
          entities,
          partitions,
          where,
          restart(seed, index),
          window,
          tumbleFeatures);
    }

    /**
     * Whether this view is a tumbling-window view: {@code -Dquiver.fuzz.tumble=always|never|cycle}
     * (default cycle: the views {@code k = 2·seed + index} with {@code k mod 3 = 0}, one in three).
     */
    public static boolean tumble(long seed, int index) {
      return switch (System.getProperty("quiver.fuzz.tumble", "cycle")) {
        case "always" -> true;
        case "never" -> false;
        default -> (2 * seed + index) % 3 == 0;
      };
    }

    public static final List<TumbleFeature> TUMBLE_FEATURES =
        List.of(
            new TumbleFeature("t_count", "INT64", "COUNT(*)", null, in -> (long) in.size()),
            new TumbleFeature(
                "t_count_str",
                "INT64",
                "COUNT(v_str)",
                null,
                in -> in.stream().filter(e -> e.values.get("v_str") != null).count()),
            new TumbleFeature(
                "t_true",
                "INT64",
                "COUNT(*) FILTER (WHERE v_bool)",
                null,
                in -> in.stream().filter(e -> Boolean.TRUE.equals(e.values.get("v_bool"))).count()),
            new TumbleFeature(
                "t_sum_double",
                "FLOAT64",
                "SUM(v_double)",
                "v_double",
                in -> {
                  Double s = null;
                  for (Ev e : in) {
                    if (e.values.get("v_double") instanceof Double d) {
                      s = s == null ? d : s + d;
                    }
                  }
                  return s;
                }),
            new TumbleFeature(
                "t_avg_double",
                "FLOAT64",
                "AVG(v_double)",
                "v_double",
                in -> {
                  double s = 0;
                  int n = 0;
                  for (Ev e : in) {
                    if (e.values.get("v_double") instanceof Double d) {
                      s += d;
                      n++;
                    }
                  }
                  return n == 0 ? null : s / n;
                }),
            new TumbleFeature(
                "t_min_int",
                "INT32",
                "MIN(v_int)",
                null,
                in ->
                    in.stream()
                        .map(e -> (Integer) e.values.get("v_int"))
                        .filter(Objects::nonNull)
                        .min(Integer::compare)
                        .map(i -> (Object) i.longValue())
                        .orElse(null)),
            new TumbleFeature(
                "t_max_long",
                "INT64",
                "MAX(v_long)",
                null,
                in ->
                    in.stream()
                        .map(e -> (Long) e.values.get("v_long"))
                        .filter(Objects::nonNull)
                        .max(Long::compare)
                        .orElse(null)),
            new TumbleFeature(
                "t_max_str",
                "STRING",
                "MAX(v_str)",
                null,
                in ->
                    in.stream()
                        .map(e -> (String) e.values.get("v_str"))
                        .filter(Objects::nonNull)
                        .max(Spec::byCodePoint)
                        .orElse(null)));

    /**
     * The features and transformation of a tumbling-window view: some of {@link #TUMBLE_FEATURES}
     * grouped by the join keys and {@code TUMBLE(ts, window)}, sometimes with the WHERE and a
     * {@code TUMBLE_END} column that is no feature.
     */
    public static StringBuilder tumblingView(
        Random rt,
        long window,
        String source,
        List<String[]> keyDefs,
        boolean filtered,
        Map<String, TumbleFeature> out) {
      List<TumbleFeature> all = new ArrayList<>(TUMBLE_FEATURES);
      java.util.Collections.shuffle(all, rt);
      all.subList(0, 2 + rt.nextInt(all.size() - 1)).forEach(f -> out.put(f.name(), f));
      String interval =
          window % 60_000 == 0
              ? "INTERVAL '" + window / 60_000 + "' MINUTE"
              : "INTERVAL '" + window / 1000 + "' SECOND";
      List<String> select = new ArrayList<>();
      List<String> keys = keyDefs.stream().map(k -> k[0]).toList();
      if (keys.size() == 1 && rt.nextBoolean()) {
        select.add(keys.get(0) + " AS entity_key");
      } else {
        select.addAll(keys);
      }
      if (rt.nextBoolean()) {
        select.add("TUMBLE_END(ts, " + interval + ") AS window_end");
      }
      out.values().forEach(f -> select.add(f.sql() + " AS " + f.name()));
      StringBuilder y = new StringBuilder("features:\n");
      for (TumbleFeature f : out.values()) {
        y.append("  - {name: ")
            .append(f.name())
            .append(", dtype: ")
            .append(f.dtype())
            .append("}\n");
      }
      y.append("transformations:\n  - language: sql\n    code: |\n");
      y.append("      SELECT ").append(String.join(", ", select)).append('\n');
      y.append("      FROM ").append(source).append('\n');
      if (filtered) {
        y.append("      WHERE v_int IS NULL OR v_int > -20\n");
      }
      y.append("      GROUP BY ")
          .append(String.join(", ", keys))
          .append(", TUMBLE(ts, ")
          .append(interval)
          .append(")\n");
      return y;
    }

    /**
     * The restart of this view's job: {@code -Dquiver.fuzz.restart=none|failure|restore|cycle}
     * (default cycle: of the views {@code k = 2·seed + index}, those with {@code k mod 3 = 1}
     * restart, a failure for even k and a restore for odd k, so that seeds 1..3 run both).
     */
    public static Restart restart(long seed, int index) {
      String p = System.getProperty("quiver.fuzz.restart", "cycle");
      if (!p.equals("cycle")) {
        return Restart.valueOf(p.toUpperCase(Locale.ROOT));
      }
      long k = 2 * seed + index;
      return k % 3 != 1 ? Restart.NONE : k % 2 == 0 ? Restart.FAILURE : Restart.RESTORE;
    }

    public static void randomValues(Random r, Ev e) {
      e.values.put(
          "v_int",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(20) == 0
                  ? (r.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE)
                  : r.nextInt(101) - 50);
      e.values.put(
          "v_long",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(20) == 0
                  ? (r.nextInt(4) == 0 ? 4_000_000_000_000_000_000L : 1_000_000_000_000_000L)
                      * (r.nextBoolean() ? 1 : -1) // sums beyond the long range are null
                  : (long) r.nextInt(2_000_001) - 1_000_000);
      e.values.put(
          "v_double",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(15) == 0
                  ? (r.nextBoolean() ? 0.0 : -0.0)
                  : Math.round(r.nextDouble() * 200_000 - 100_000) / 100.0);
      e.values.put("v_str", r.nextInt(10) == 0 ? null : STRINGS[r.nextInt(STRINGS.length)]);
      e.values.put(
          "v_float",
          r.nextInt(10) == 0
              ? null
              : r.nextInt(15) == 0
                  ? (r.nextBoolean() ? 0.0f : -0.0f)
                  : Math.round(r.nextDouble() * 20_000 - 10_000) / 100.0f);
      e.values.put("v_bool", r.nextInt(10) == 0 ? null : r.nextBoolean());
      e.values.put(
          "v_time",
          r.nextInt(10) == 0 ? null : e.ts - r.nextInt(3) * 86_400_000L + r.nextInt(1000) - 500);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The event as JSON (Jackson escapes the strings): an absent value is null too; the event time
     * as epoch millis, or (TIMESTAMP column) ISO-8601 text in UTC or with an offset.
     */
    public static byte[] json(Ev e, List<JoinKey> keys, boolean tsAsLong, Random r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id);
      for (int i = 0; i < keys.size(); i++) {
        m.put(keys.get(i).name(), e.key.get(i));
      }
      for (Col c : COLUMNS) {
        Object v = e.values.get(c.name());
        if (v != null && c.type().equals("TIMESTAMP") && r.nextBoolean()) {
          v = Instant.ofEpochMilli((Long) v).toString();
        }
        if (v != null || r.nextBoolean()) {
          m.put(c.name(), v);
        }
      }
      int form = tsAsLong ? 0 : r.nextInt(4);
      m.put(
          "ts",
          switch (form) {
            case 0 -> (Object) e.ts;
            case 1 ->
                OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.ts), ZoneOffset.ofHours(1))
                    .toString();
            case 2 ->
                OffsetDateTime.ofInstant(
                        Instant.ofEpochMilli(e.ts), ZoneOffset.ofHoursMinutes(-5, -30))
                    .toString();
            default -> Instant.ofEpochMilli(e.ts).toString();
          });
      try {
        return JSON.writeValueAsBytes(m);
      } catch (java.io.IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
    }

    public static Ev malformed(Random r, int i, List<JoinKey> keys, boolean tsAsLong) {
      Ev e = new Ev();
      String text =
          switch (r.nextInt(3)) {
            case 0 -> "{\"id\":\"bad" + i + "\", \"k1\": ";
            case 1 -> "{\"id\":\"bad" + i + "\",\"v_long\":1,\"ts\":1}";
            default -> {
              Ev x = new Ev();
              x.id = "bad" + i;
              List<Object> k = new ArrayList<>();
              for (JoinKey jk : keys) {
                k.add(
                    jk.type().scalar() == dev.quiver.core.spec.FeatureType.Scalar.STRING
                        ? "k1"
                        : 1);
              }
              x.key = k;
              x.ts = 0;
              x.values.put("v_long", null);
              String good = new String(json(x, keys, true, r), StandardCharsets.UTF_8);
              yield good.replace("\"ts\":0", "\"v_long_text\":1,\"ts\":0")
                  .replaceAll("\"v_long\":null,?", "")
                  .replace("\"v_long_text\":1", "\"v_long\":\"12\"");
            }
          };
      e.bytes = text.getBytes(StandardCharsets.UTF_8);
      e.malformed = "malformed";
      return e;
    }

    /** The spec spelling of a duration (all of the fuzz's are whole seconds). */
    static String dur(long ms) {
      return dev.quiver.core.spec.Durations.format(java.time.Duration.ofMillis(ms));
    }
  }
}
