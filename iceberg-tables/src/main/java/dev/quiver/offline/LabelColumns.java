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
