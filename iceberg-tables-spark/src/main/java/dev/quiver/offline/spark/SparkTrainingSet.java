package dev.quiver.offline.spark;

import dev.quiver.offline.KeyCodec;
import dev.quiver.offline.LabelColumns;
import dev.quiver.offline.LabelSource;
import dev.quiver.offline.PointInTimeSweep;
import dev.quiver.offline.SpineLabels;
import dev.quiver.offline.SweepRow;
import dev.quiver.offline.TrainingSetPlan;
import dev.quiver.offline.TrainingSetRequest;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The point-in-time training set on Spark, for inputs too large for one machine: the same plan
 * ({@link TrainingSetPlan}) and the same per-key sweep ({@link PointInTimeSweep}) as the Flink
 * path, over the same Iceberg tables read through iceberg-spark-runtime (a second engine reading
 * them unchanged). Labels and events are unioned and grouped by entity key; the output is sorted
 * into the same deterministic order as the Flink path.
 *
 * <p>The session must have the offline catalog registered as an Iceberg {@code SparkCatalog} named
 * {@code catalogName} and {@code spark.sql.datetime.java8API.enabled=true}.
 */
public final class SparkTrainingSet {
  private final SparkSession spark;
  private final Catalog catalog;
  private final String catalogName;

  public SparkTrainingSet(SparkSession spark, Catalog catalog, String catalogName) {
    this.spark = spark;
    this.catalog = catalog;
    this.catalogName = catalogName;
  }

  /** Builds the training set; returns it as a DataFrame in the deterministic output order. */
  public Dataset<Row> build(TrainingSetRequest request) {
    TrainingSetPlan plan = TrainingSetPlan.resolve(request, catalog);
    List<Types.NestedField> labelColumns;
    JavaRDD<SweepRow> current = null;
    SpineLabels spine = null;
    int slots = plan.featureSlots();
    if (request.labels() != null) {
      Dataset<Row> labels = readLabels(request);
      StructType ls = labels.schema();
      labelColumns = new ArrayList<>();
      int id = 0;
      for (StructField f : ls.fields()) {
        labelColumns.add(
            Types.NestedField.optional(++id, f.name(), icebergType(f.name(), f.dataType())));
      }
      List<String> names = Arrays.asList(ls.fieldNames());
      LabelSource src = request.labels();
      int timePos = names.indexOf(src.timestampColumn());
      DataType timeType = ls.fields()[timePos].dataType();
      // how the time column holds its times: a timestamp, epoch millis (checked for another unit)
      // or CSV text (read by the Flink path's parser: Spark's to_timestamp gave null, so all
      // features null without an error, for epoch millis text and offsets such as +0100)
      boolean text = timeType instanceof StringType;
      boolean integer = timeType instanceof LongType;
      if (!text
          && !integer
          && !timeType.equals(DataTypes.TimestampType)
          && !timeType.equals(DataTypes.TimestampNTZType)) {
        throw LabelColumns.timeColumnType(src, timeType.simpleString());
      }
      if (text) {
        labelColumns.set(
            timePos,
            Types.NestedField.optional(
                timePos + 1, src.timestampColumn(), Types.TimestampType.withZone()));
      }
      String timeName = src.timestampColumn();
      // built once and shipped with the task (it was built again for every CSV row)
      LabelSource textTimes = new LabelSource("csv", src.location(), timeName, null);
      int[] keys = positions(names, plan.groups().get(0).keyNames());
      int width = names.size();
      current =
          labels
              .javaRDD()
              .map(
                  r -> {
                    Object[] v = new Object[width];
                    for (int i = 0; i < width; i++) {
                      v[i] = plain(r.get(i));
                    }
                    if (text && v[timePos] != null) {
                      v[timePos] =
                          LabelColumns.parseTime((String) v[timePos], textTimes).toEpochMilli();
                    } else if (integer && v[timePos] != null) {
                      LabelColumns.epochMillis(timeName, (Long) v[timePos]);
                    }
                    long t =
                        v[timePos] == null ? Long.MIN_VALUE : ((Number) v[timePos]).longValue();
                    String k = KeyCodec.encode(v, keys);
                    return SweepRow.label(k == null ? "\u0000" : k, t, v, slots);
                  });
    } else {
      TrainingSetPlan.Group g = plan.groups().get(0);
      labelColumns = SpineLabels.columns(g.joinKeys());
      spine = new SpineLabels(request.spine().millis(), g.joinKeys(), slots);
    }
    List<String> labelNames = labelColumns.stream().map(Types.NestedField::name).toList();
    for (int gi = 0; gi < plan.groups().size(); gi++) {
      TrainingSetPlan.Group g = plan.groups().get(gi);
      JavaRDD<SweepRow> events = null;
      for (TrainingSetPlan.ViewRead r : g.views()) {
        if (r.snapshotId() == null || r.snapshotId() < 0) {
          continue;
        }
        JavaRDD<SweepRow> ev = readEvents(r);
        events = events == null ? ev : events.union(ev);
      }
      if (current != null && gi > 0) {
        int[] keys = positions(labelNames, g.keyNames());
        current =
            current.map(
                r -> {
                  String k = KeyCodec.encode(r.values, keys);
                  r.key = k == null ? "\u0000" : k;
                  return r;
                });
      }
      JavaRDD<SweepRow> input =
          current == null ? events : events == null ? current : current.union(events);
      if (input == null) {
        current = null;
        break;
      }
      PointInTimeSweep sweep = plan.sweep(g, request.availabilityGuard());
      SpineLabels sp = spine;
      current =
          input
              .groupBy(r -> r.key)
              .flatMap(
                  e -> {
                    Iterable<SweepRow> rows = sp == null ? e._2() : sp.withLabels(e._1(), e._2());
                    List<SweepRow> out = new ArrayList<>();
                    sweep.sweep(rows, out::add);
                    return out.iterator();
                  });
    }
    Schema outSchema = plan.outputSchema(labelColumns);
    StructType sparkSchema = sparkType(outSchema);
    if (current == null) {
      return spark.createDataFrame(List.of(), sparkSchema);
    }
    int labelWidth = labelNames.size();
    List<Type> types = outSchema.columns().stream().map(f -> f.type()).toList();
    JavaRDD<Row> rows =
        current
            .sortBy(OrderKey::of, true, 1)
            .map(
                r -> {
                  Object[] v = new Object[types.size()];
                  for (int i = 0; i < labelWidth; i++) {
                    v[i] = sparkValue(types.get(i), r.values[i]);
                  }
                  for (int i = 0; i < r.features.length; i++) {
                    v[labelWidth + i] = sparkValue(types.get(labelWidth + i), r.features[i]);
                  }
                  return RowFactory.create(v);
                });
    return spark.createDataFrame(rows, sparkSchema);
  }

  private Dataset<Row> readLabels(TrainingSetRequest request) {
    var src = request.labels();
    java.util.Map<String, Boolean> nanos = LabelColumns.nanosecondTimes(src);
    Dataset<Row> df =
        switch (src.format()) {
          case "parquet" ->
              nanos.isEmpty() ? spark.read().parquet(src.location()) : nanos(src, nanos);
          case "csv" -> csv(src);
          default -> iceberg(src);
        };
    // the Flink path's checks, with its messages: no time column or join key, a column named like
    // a feature's output column (QA pass, session 12: Iceberg's "multiple fields for name" later)
    LabelColumns.check(src, Arrays.asList(df.columns()), request.features());
    StructType schema = df.schema();
    LabelColumns.checkKeyTypes(
        src,
        request.features(),
        k -> {
          DataType t = schema.apply(k).dataType();
          return t instanceof StringType
                  || t instanceof IntegerType
                  || t instanceof LongType
                  || t instanceof ShortType
                  || t instanceof ByteType
              ? null
              : t.simpleString();
        });
    return df;
  }

  /**
   * An Iceberg label table as of the source's snapshot (a manifest's pinned one), with that
   * snapshot's columns, as the Flink path reads it: before, Spark read the current snapshot, so
   * rows appended (and columns added) since the export entered a Spark rebuild. SQL's {@code
   * VERSION AS OF}, because the {@code snapshot-id} read option keeps the current schema's columns.
   */
  private Dataset<Row> iceberg(LabelSource src) {
    String table = catalogName + "." + src.location();
    if (src.snapshotId() == null) {
      return spark.read().table(table);
    }
    org.apache.iceberg.catalog.TableIdentifier id =
        org.apache.iceberg.catalog.TableIdentifier.parse(src.location());
    org.apache.iceberg.Table t;
    try {
      t = catalog.loadTable(id);
    } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
      throw new IllegalArgumentException(
          "labels: Iceberg table '" + src.location() + "' does not exist in the offline catalog",
          e);
    }
    if (t.snapshot(src.snapshotId()) == null) {
      throw LabelColumns.noLabelSnapshot(src, src.snapshotId());
    }
    StringBuilder quoted = new StringBuilder(quote(catalogName));
    for (String level : id.namespace().levels()) {
      quoted.append('.').append(quote(level));
    }
    quoted.append('.').append(quote(id.name()));
    return spark.sql("SELECT * FROM " + quoted + " VERSION AS OF " + src.snapshotId());
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  /**
   * A CSV label file as the Flink path reads it: header names and values stripped of surrounding
   * white space (and a byte order mark), a blank cell null. Spark's reader kept {@code " u1"} and a
   * header {@code " ts"} of a file written with a space after each comma.
   */
  private Dataset<Row> csv(LabelSource src) {
    Dataset<Row> df =
        spark
            .read()
            .option("header", "true")
            .option("ignoreLeadingWhiteSpace", "true")
            .option("ignoreTrailingWhiteSpace", "true")
            .csv(src.location());
    String[] names =
        Arrays.stream(df.columns())
            .map(c -> c.replace("\uFEFF", "").strip())
            .toArray(String[]::new);
    df = df.toDF(names);
    for (String c : names) {
      // a cell of spaces only is blank: null, as on the Flink path
      df =
          df.withColumn(
              c,
              functions
                  .when(
                      functions.trim(functions.col("`" + c + "`")).equalTo(""), functions.lit(null))
                  .otherwise(functions.col("`" + c + "`")));
    }
    return df;
  }

  /**
   * Parquet labels with nanosecond timestamp columns, which Spark 3.5's reader refuses unless
   * {@code spark.sql.legacy.parquet.nanosAsLong} reads them as longs: read so in a session of their
   * own (the caller's session is left as it is) and floored to milliseconds, as the Flink path
   * does; a zone-less column stays zone-less (UTC wall time, the session time zone being UTC).
   */
  private Dataset<Row> nanos(LabelSource src, java.util.Map<String, Boolean> columns) {
    SparkSession session = spark.newSession();
    scala.collection.JavaConverters.mapAsJavaMap(spark.conf().getAll())
        .forEach(
            (k, v) -> {
              if (spark.conf().isModifiable(k)) {
                session.conf().set(k, v);
              }
            });
    session.conf().set("spark.sql.legacy.parquet.nanosAsLong", "true");
    Dataset<Row> df = session.read().parquet(src.location());
    for (var e : columns.entrySet()) {
      String c = "`" + e.getKey().replace("`", "``") + "`";
      String millis = "timestamp_millis((" + c + " - pmod(" + c + ", 1000000)) div 1000000)";
      df =
          df.withColumn(
              e.getKey(),
              functions.expr(e.getValue() ? millis : "CAST(" + millis + " AS TIMESTAMP_NTZ)"));
    }
    return df;
  }

  private JavaRDD<SweepRow> readEvents(TrainingSetPlan.ViewRead r) {
    List<String> cols = r.projection().columns().stream().map(Types.NestedField::name).toList();
    Dataset<Row> df =
        spark
            .read()
            .option("snapshot-id", r.snapshotId())
            .table(catalogName + "." + r.tableName())
            .selectExpr(cols.stream().map(c -> "`" + c + "`").toArray(String[]::new));
    int[] keyPos = r.keyPositions();
    int[] valuePos = r.valuePositions();
    int etPos = r.eventTimePos();
    int seqPos = r.seqPos();
    int inPos = r.ingestedPos();
    int view = r.viewIndex();
    int[] identity = new int[keyPos.length];
    Arrays.setAll(identity, i -> i);
    return df.javaRDD()
        .map(
            row -> {
              Object[] k = new Object[keyPos.length];
              for (int i = 0; i < k.length; i++) {
                k[i] = plain(row.get(keyPos[i]));
              }
              String key = KeyCodec.encode(k, identity);
              if (key == null) {
                return null;
              }
              Object[] v = new Object[valuePos.length];
              for (int i = 0; i < v.length; i++) {
                v[i] = plain(row.get(valuePos[i]));
              }
              return SweepRow.event(
                  key,
                  view,
                  ((Number) plain(row.get(etPos))).longValue(),
                  row.getLong(seqPos),
                  ((Number) plain(row.get(inPos))).longValue(),
                  v);
            })
        .filter(x -> x != null);
  }

  /** Spark values → the sweep's plain values (timestamps as epoch millis, arrays as lists). */
  static Object plain(Object v) {
    if (v instanceof Instant i) {
      return i.toEpochMilli();
    }
    if (v instanceof java.sql.Timestamp ts) {
      return ts.getTime();
    }
    if (v instanceof LocalDateTime wall) {
      // a zone-less timestamp (pandas' naive datetime64) is read as UTC, as the Flink path does
      return wall.toInstant(ZoneOffset.UTC).toEpochMilli();
    }
    if (v instanceof scala.collection.Seq<?> s) {
      List<Object> out = new ArrayList<>();
      scala.collection.Iterator<?> it = s.iterator();
      while (it.hasNext()) {
        out.add(plain(it.next()));
      }
      return out;
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static Object sparkValue(Type t, Object v) {
    if (v == null) {
      return null;
    }
    if (t.typeId() == Type.TypeID.TIMESTAMP) {
      // window aggregations of a TIMESTAMP column (min, max, first, last, last_n) hold Instants
      // (their inputs are normalized by ValueCodec); row features and label times epoch millis
      Instant at = v instanceof Instant i ? i : Instant.ofEpochMilli(((Number) v).longValue());
      return ((Types.TimestampType) t).shouldAdjustToUTC()
          ? at
          : LocalDateTime.ofInstant(at, ZoneOffset.UTC);
    }
    if (t.typeId() == Type.TypeID.DATE) {
      return v instanceof Number days ? LocalDate.ofEpochDay(days.longValue()) : v;
    }
    if (t.typeId() == Type.TypeID.LIST) {
      Type element = t.asListType().elementType();
      List<Object> out = new ArrayList<>();
      for (Object e : (List<Object>) v) {
        out.add(sparkValue(element, e));
      }
      return scala.collection.JavaConverters.asScalaBuffer(out).toSeq();
    }
    return switch (t.typeId()) {
      case LONG -> ((Number) v).longValue();
      case INTEGER -> ((Number) v).intValue();
      case DOUBLE -> ((Number) v).doubleValue();
      case FLOAT -> ((Number) v).floatValue();
      default -> v;
    };
  }

  static StructType sparkType(Schema schema) {
    List<StructField> fields = new ArrayList<>();
    for (Types.NestedField f : schema.columns()) {
      fields.add(DataTypes.createStructField(f.name(), sparkType(f.type()), true));
    }
    return DataTypes.createStructType(fields);
  }

  static DataType sparkType(Type t) {
    return switch (t.typeId()) {
      case STRING -> DataTypes.StringType;
      case LONG -> DataTypes.LongType;
      case INTEGER -> DataTypes.IntegerType;
      case DOUBLE -> DataTypes.DoubleType;
      case FLOAT -> DataTypes.FloatType;
      case BOOLEAN -> DataTypes.BooleanType;
      case BINARY -> DataTypes.BinaryType;
      case TIMESTAMP ->
          ((Types.TimestampType) t).shouldAdjustToUTC()
              ? DataTypes.TimestampType
              : DataTypes.TimestampNTZType;
      case DATE -> DataTypes.DateType;
      case LIST -> DataTypes.createArrayType(sparkType(t.asListType().elementType()), true);
      default -> throw new IllegalArgumentException("unsupported column type " + t);
    };
  }

  /** A label column's Iceberg type; list elements get ids far above the columns'. */
  static Type icebergType(String column, DataType t) {
    if (t instanceof ArrayType a) {
      return Types.ListType.ofOptional(
          ELEMENT_IDS.incrementAndGet(), icebergType(column, a.elementType()));
    }
    if (t.equals(DataTypes.StringType)) {
      return Types.StringType.get();
    } else if (t.equals(DataTypes.LongType)) {
      return Types.LongType.get();
    } else if (t.equals(DataTypes.IntegerType)) {
      return Types.IntegerType.get();
    } else if (t.equals(DataTypes.DoubleType)) {
      return Types.DoubleType.get();
    } else if (t.equals(DataTypes.FloatType)) {
      return Types.FloatType.get();
    } else if (t.equals(DataTypes.BooleanType)) {
      return Types.BooleanType.get();
    } else if (t.equals(DataTypes.TimestampType)) {
      return Types.TimestampType.withZone();
    } else if (t.equals(DataTypes.BinaryType)) {
      return Types.BinaryType.get();
    } else if (t.equals(DataTypes.TimestampNTZType)) {
      return Types.TimestampType.withoutZone();
    } else if (t.equals(DataTypes.DateType)) {
      return Types.DateType.get();
    }
    throw new IllegalArgumentException(
        "labels: column '"
            + column
            + "' is "
            + t.simpleString()
            + ", a type a training set cannot carry: cast it in the label file or drop it");
  }

  private static final AtomicInteger ELEMENT_IDS = new AtomicInteger(1_000_000);

  private static int[] positions(List<String> names, List<String> wanted) {
    return wanted.stream().mapToInt(names::indexOf).toArray();
  }

  /** The same output order as the Flink path: time, key, then the label values. */
  record OrderKey(long time, String key, String values)
      implements Comparable<OrderKey>, Serializable {
    static OrderKey of(SweepRow r) {
      return new OrderKey(r.time, r.key, Arrays.deepToString(r.values));
    }

    @Override
    public int compareTo(OrderKey o) {
      int c = Long.compare(time, o.time);
      if (c == 0) {
        c = key.compareTo(o.key);
      }
      return c != 0 ? c : values.compareTo(o.values);
    }
  }
}
