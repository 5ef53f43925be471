package dev.quiver.jobs.ingest;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SourceField;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.types.DataType;

/**
 * The columns of a view's parsed event stream: the source's declared columns (in order) followed by
 * the job's metadata columns {@code _event_time}, {@code _event_ms}, {@code _seq}, {@code
 * _partition} and {@code _ingested_at}. The same columns are what a batch backfill's source DDL
 * declares, so the SQL after this point is identical in streaming and batch mode.
 */
public record EventSchema(
    List<SourceField> columns, String eventTimeField, List<String> requiredKeys, String dedupKey)
    implements Serializable {

  public static final String EVENT_TIME = "_event_time";
  public static final String EVENT_MS = "_event_ms";
  public static final String SEQ = "_seq";
  public static final String PARTITION = "_partition";
  public static final String INGESTED_AT = "_ingested_at";
  public static final String PROCTIME = "_proc";

  public EventSchema {
    columns = List.copyOf(columns);
    Objects.requireNonNull(eventTimeField, "eventTimeField");
    requiredKeys = List.copyOf(requiredKeys);
    if (columns.stream().noneMatch(c -> c.name().equals(eventTimeField))) {
      throw new IllegalArgumentException(
          "event_time_field: '"
              + eventTimeField
              + "' is not a column of the source (columns: "
              + columns.stream().map(SourceField::name).toList()
              + ")");
    }
    for (String k : requiredKeys) {
      if (columns.stream().noneMatch(c -> c.name().equals(k))) {
        throw new IllegalArgumentException(
            "join key '"
                + k
                + "' is not a column of the source (columns: "
                + columns.stream().map(SourceField::name).toList()
                + "); add it to the source schema");
      }
    }
  }

  /** Number of fields in a parsed row (declared + metadata). */
  public int arity() {
    return columns.size() + 5;
  }

  /**
   * The position of {@link #EVENT_MS} (epoch millis) in a parsed row: after the declared columns.
   */
  public int eventMsIndex() {
    return columns.size() + 1;
  }

  public int index(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    return -1;
  }

  /** The row type of the parsed stream (without the processing-time column). */
  public DataType rowType() {
    List<DataTypes.Field> fields = new ArrayList<>();
    for (SourceField c : columns) {
      fields.add(DataTypes.FIELD(c.name(), dataType(c.type())));
    }
    fields.add(DataTypes.FIELD(EVENT_TIME, DataTypes.TIMESTAMP_LTZ(3).notNull()));
    fields.add(DataTypes.FIELD(EVENT_MS, DataTypes.BIGINT().notNull()));
    fields.add(DataTypes.FIELD(SEQ, DataTypes.BIGINT().notNull()));
    fields.add(DataTypes.FIELD(PARTITION, DataTypes.INT().notNull()));
    fields.add(DataTypes.FIELD(INGESTED_AT, DataTypes.TIMESTAMP_LTZ(3).notNull()));
    return DataTypes.ROW(fields).notNull();
  }

  /** The table schema for the parsed stream, with {@code _proc} as processing time. */
  public Schema tableSchema() {
    return Schema.newBuilder()
        .fromRowDataType(rowType())
        .columnByExpression(PROCTIME, "PROCTIME()")
        .build();
  }

  /**
   * The table schema for the parsed stream with {@code _event_time} as the rowtime attribute and
   * the stream's own watermarks ({@code SOURCE_WATERMARK()}), for windowed transformations.
   */
  public Schema tableSchemaWithRowtime() {
    return Schema.newBuilder()
        .fromRowDataType(rowType())
        .columnByExpression(PROCTIME, "PROCTIME()")
        .watermark(EVENT_TIME, "SOURCE_WATERMARK()")
        .build();
  }

  /** The column list as Flink SQL DDL (for a batch source over the same columns). */
  public String ddlColumns() {
    StringBuilder sb = new StringBuilder();
    for (SourceField c : columns) {
      sb.append("  `").append(c.name()).append("` ").append(c.type().flinkSqlType()).append(",\n");
    }
    sb.append("  `" + EVENT_TIME + "` TIMESTAMP_LTZ(3) NOT NULL,\n");
    sb.append("  `" + EVENT_MS + "` BIGINT NOT NULL,\n");
    sb.append("  `" + SEQ + "` BIGINT NOT NULL,\n");
    sb.append("  `" + PARTITION + "` INT NOT NULL,\n");
    sb.append("  `" + INGESTED_AT + "` TIMESTAMP_LTZ(3) NOT NULL,\n");
    sb.append("  `" + PROCTIME + "` AS PROCTIME()");
    return sb.toString();
  }

  /** Java serialisation goes through a plain form: the spec records are not Serializable. */
  private Object writeReplace() {
    return new Form(
        columns.stream().map(SourceField::name).toArray(String[]::new),
        columns.stream().map(c -> c.type().toString()).toArray(String[]::new),
        eventTimeField,
        requiredKeys.toArray(String[]::new),
        dedupKey);
  }

  private record Form(
      String[] names, String[] types, String eventTimeField, String[] keys, String dedupKey)
      implements Serializable {
    private Object readResolve() {
      List<SourceField> cols = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        cols.add(new SourceField(names[i], FeatureType.parse(types[i]).orElseThrow()));
      }
      return new EventSchema(cols, eventTimeField, List.of(keys), dedupKey);
    }
  }

  static DataType dataType(FeatureType t) {
    DataType scalar =
        switch (t.scalar()) {
          case BOOL -> DataTypes.BOOLEAN();
          case INT32 -> DataTypes.INT();
          case INT64 -> DataTypes.BIGINT();
          case FLOAT32 -> DataTypes.FLOAT();
          case FLOAT64 -> DataTypes.DOUBLE();
          case STRING -> DataTypes.STRING();
          case BYTES -> DataTypes.BYTES();
          case TIMESTAMP -> DataTypes.TIMESTAMP_LTZ(3);
        };
    return t.array() ? DataTypes.ARRAY(scalar) : scalar;
  }
}
