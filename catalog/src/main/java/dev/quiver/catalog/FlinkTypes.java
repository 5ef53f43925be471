package dev.quiver.catalog;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureType.Scalar;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;

/** Maps Flink column types to feature types (the reverse of {@link FeatureType#flinkSqlType()}). */
final class FlinkTypes {
  private FlinkTypes() {}

  /** The feature type of a Flink type, or null when features cannot have that type. */
  static FeatureType toFeatureType(LogicalType type) {
    if (type instanceof ArrayType a) {
      Scalar element = scalar(a.getElementType());
      return element == null ? null : FeatureType.arrayOf(element);
    }
    Scalar s = scalar(type);
    return s == null ? null : new FeatureType(s, false);
  }

  private static Scalar scalar(LogicalType type) {
    return switch (type.getTypeRoot()) {
      case BOOLEAN -> Scalar.BOOL;
      case INTEGER -> Scalar.INT32;
      case BIGINT -> Scalar.INT64;
      case FLOAT -> Scalar.FLOAT32;
      case DOUBLE -> Scalar.FLOAT64;
      case CHAR, VARCHAR -> Scalar.STRING;
      case BINARY, VARBINARY -> Scalar.BYTES;
      case TIMESTAMP_WITHOUT_TIME_ZONE, TIMESTAMP_WITH_LOCAL_TIME_ZONE -> Scalar.TIMESTAMP;
      default -> null;
    };
  }

  /** The problem text for a column whose type has no feature type, with the nearest one. */
  static String unsupported(Column c) {
    LogicalType t = c.getDataType().getLogicalType();
    String hint =
        switch (t.getTypeRoot()) {
          case TINYINT, SMALLINT -> "use INT";
          case DECIMAL -> "use DOUBLE (or BIGINT for minor units)";
          case DATE, TIME_WITHOUT_TIME_ZONE, TIMESTAMP_WITH_TIME_ZONE -> "use TIMESTAMP_LTZ(3)";
          default -> "use one of the supported types";
        };
    return "column '"
        + c.getName()
        + "': type "
        + t.asSummaryString()
        + " is not a feature type; "
        + hint
        + ". Types: BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, STRING, BYTES, TIMESTAMP_LTZ(3) and ARRAY<…>"
        + " of these";
  }
}
