package dev.quiver.offline;

import java.util.List;

/**
 * The checks of label rows' column names against a training set's features, shared by every path
 * that builds one: submitting an export ({@link FlinkOfflineService}, before any job runs), the
 * Flink join ({@link PointInTimeJoin}) and the Spark one ({@code SparkTrainingSet}), so that each
 * refuses the same labels with the same message naming the field, what is wrong and the fix.
 */
public final class LabelColumns {
  private LabelColumns() {}

  /**
   * The columns of Parquet label files that hold nanosecond timestamps (pandas' default), by name,
   * each with whether it is adjusted to UTC. Spark's Parquet reader refuses them ("Illegal Parquet
   * type: INT64 (TIMESTAMP(NANOS,true))"); the Spark path reads them as longs and floors them to
   * milliseconds, as the Flink path does. Empty for CSV files and Iceberg tables.
   */
  public static java.util.Map<String, Boolean> nanosecondTimes(LabelSource source) {
    return LabelTables.nanosecondTimes(source);
  }

  /**
   * A label time read from an integer column as epoch milliseconds, refused (naming the column, the
   * value and the likely unit) when it looks like epoch seconds, microseconds or nanoseconds.
   */
  public static long epochMillis(String column, long value) {
    return LabelLayout.epochMillis(column, value);
  }

  /**
   * The error for a label time column that is neither a timestamp nor epoch milliseconds as int64.
   *
   * @param type the column's type name
   */
  public static IllegalArgumentException timeColumnType(LabelSource source, String type) {
    return new IllegalArgumentException(
        "labels.timestamp_column: '"
            + source.timestampColumn()
            + "' of "
            + source.location()
            + " is a "
            + type
            + " column (expected: a timestamp, or epoch milliseconds as int64; convert it, e.g."
            + " pandas.to_datetime(df['"
            + source.timestampColumn()
            + "'], utc=True))");
  }

  /**
   * The error for an Iceberg label table's pinned snapshot (a manifest's) that the table no longer
   * has.
   */
  public static IllegalArgumentException noLabelSnapshot(LabelSource source, long snapshotId) {
    return new IllegalArgumentException(
        "labels: snapshot "
            + snapshotId
            + " of Iceberg table "
            + source.location()
            + " no longer exists (expired?); the manifest cannot be rebuilt without the"
            + " label rows it read");
  }

  /**
   * A label time as CSV text, read as the Flink path reads it: ISO-8601 (an offset, {@code Z} or
   * none for UTC, a date alone), or epoch milliseconds checked as by {@link #epochMillis}.
   */
  public static java.time.Instant parseTime(String text, LabelSource source) {
    try {
      return LabelTables.parseTime(text, source, 0);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new IllegalArgumentException(
          "labels " + source.location() + m.substring(m.indexOf(':')), e);
    }
  }

  /** The error for label rows without the request's time column. */
  static IllegalArgumentException noTimeColumn(LabelSource source, List<String> names) {
    return new IllegalArgumentException(
        "labels.timestamp_column: '"
            + source.timestampColumn()
            + "' is not a column of "
            + source.location()
            + " (columns: "
            + String.join(", ", names)
            + "; name the label time column with --timestamp-column, or timestamp_column over"
            + " REST)");
  }

  /**
   * Refuses a join-key column of a type whose values never equal an entity key (before: a float64
   * key, which pandas makes of an integer column with a missing value, joined as the text {@code
   * 42.0}, so every feature of the row was null, without an error). Keys match by their text, so
   * strings and integers of any width join an entity's STRING, INT32 or INT64 key (the only keys
   * checked).
   *
   * @param typeProblem a column's type name when it is not a string or an integer, else null
   */
  public static void checkKeyTypes(
      LabelSource source,
      List<FeatureSelection> features,
      java.util.function.Function<String, String> typeProblem) {
    for (FeatureSelection sel : features) {
      for (dev.quiver.core.spec.JoinKey key : sel.joinKeys()) {
        String k = key.name();
        String type = typeProblem.apply(k);
        if (type != null && !key.type().array() && textKey(key.type().scalar())) {
          throw new IllegalArgumentException(
              "labels: join key '"
                  + k
                  + "' of "
                  + source.location()
                  + " is "
                  + type
                  + " (expected: strings or integers, as the key of view "
                  + sel.view().qualifiedName()
                  + ":"
                  + sel.view().version()
                  + " is "
                  + key.type()
                  + ": a "
                  + type
                  + " value never equals one, 42.0 is not 42; cast the column, e.g. in pandas"
                  + " df['"
                  + k
                  + "'] = df['"
                  + k
                  + "'].astype('Int64'), which keeps missing keys)");
        }
      }
    }
  }

  private static boolean textKey(dev.quiver.core.spec.FeatureType.Scalar key) {
    return switch (key) {
      case STRING, INT32, INT64 -> true;
      default -> false;
    };
  }

  /**
   * Refuses label columns that lack the time column or a join key of a feature's view, or that hold
   * a column named like a feature's output column ({@code <view>__<feature>}).
   *
   * @param names the label rows' column names, in their order
   */
  public static void check(
      LabelSource source, List<String> names, List<FeatureSelection> features) {
    String columns = String.join(", ", names);
    if (!names.contains(source.timestampColumn())) {
      throw noTimeColumn(source, names);
    }
    for (FeatureSelection sel : features) {
      for (String k : sel.keyNames()) {
        if (!names.contains(k)) {
          throw new IllegalArgumentException(
              "labels: join key '"
                  + k
                  + "' of view "
                  + sel.view().qualifiedName()
                  + ":"
                  + sel.view().version()
                  + " is not a column of "
                  + source.location()
                  + " (columns: "
                  + columns
                  + "; the label rows need a column '"
                  + k
                  + "' holding the entity key: rename or add it)");
        }
      }
    }
    for (FeatureSelection sel : features) {
      for (String f : sel.features()) {
        if (names.contains(sel.column(f))) {
          throw new IllegalArgumentException(
              "labels: column '"
                  + sel.column(f)
                  + "' has the name of the output column of feature "
                  + sel.view().qualifiedName()
                  + ":"
                  + sel.view().version()
                  + "."
                  + f
                  + "; rename it in the label file (or drop it)");
        }
      }
    }
  }
}
