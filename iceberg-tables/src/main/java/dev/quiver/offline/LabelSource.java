package dev.quiver.offline;

import java.util.Locale;
import java.util.Objects;

/**
 * Where training-set label rows come from: Parquet files, a CSV file (with a header) or an Iceberg
 * table of the offline catalog.
 *
 * @param format {@code parquet}, {@code csv} or {@code iceberg}
 * @param location a file or directory (parquet, csv), or a table identifier {@code ns.table}
 *     (iceberg)
 * @param timestampColumn the label time column (timestamp, or epoch millis)
 * @param snapshotId for iceberg: the snapshot to read; null for the current one
 *     <p>Serializable: Spark's tasks parse CSV label times against it.
 */
public record LabelSource(String format, String location, String timestampColumn, Long snapshotId)
    implements java.io.Serializable {
  public LabelSource {
    Objects.requireNonNull(location, "labels location");
    format = format == null ? guessFormat(location) : format.toLowerCase(Locale.ROOT);
    if (!format.equals("parquet") && !format.equals("csv") && !format.equals("iceberg")) {
      throw new IllegalArgumentException(
          "labels.format: '" + format + "' (expected: parquet, csv or iceberg)");
    }
    timestampColumn = timestampColumn == null ? "timestamp" : timestampColumn;
  }

  public static LabelSource of(String location, String timestampColumn) {
    return new LabelSource(null, location, timestampColumn, null);
  }

  private static String guessFormat(String location) {
    String l = location.toLowerCase(Locale.ROOT);
    if (l.endsWith(".csv")) {
      return "csv";
    }
    return l.contains("/") || l.endsWith(".parquet") ? "parquet" : "iceberg";
  }
}
