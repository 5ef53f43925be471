package dev.quiver.core.spec;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The type of a feature value or a source column: a scalar, or an array of scalars (last_n
 * sequences, embeddings). Written in specs as {@code INT64}, {@code FLOAT64}, {@code
 * ARRAY<FLOAT32>}.
 */
public record FeatureType(Scalar scalar, boolean array) {

  /** Scalar kinds. Names are the spec spelling. */
  public enum Scalar {
    BOOL,
    INT32,
    INT64,
    FLOAT32,
    FLOAT64,
    STRING,
    BYTES,
    TIMESTAMP;

    public boolean isNumeric() {
      return this == INT32 || this == INT64 || this == FLOAT32 || this == FLOAT64;
    }

    public boolean isIntegral() {
      return this == INT32 || this == INT64;
    }

    /** The Java class a decoded value of this kind has (the element class of an array value). */
    public Class<?> javaClass() {
      return switch (this) {
        case BOOL -> Boolean.class;
        case INT32 -> Integer.class;
        case INT64 -> Long.class;
        case FLOAT32 -> Float.class;
        case FLOAT64 -> Double.class;
        case STRING -> String.class;
        case BYTES -> byte[].class;
        case TIMESTAMP -> java.time.Instant.class;
      };
    }
  }

  public static final FeatureType BOOL = new FeatureType(Scalar.BOOL, false);
  public static final FeatureType INT32 = new FeatureType(Scalar.INT32, false);
  public static final FeatureType INT64 = new FeatureType(Scalar.INT64, false);
  public static final FeatureType FLOAT32 = new FeatureType(Scalar.FLOAT32, false);
  public static final FeatureType FLOAT64 = new FeatureType(Scalar.FLOAT64, false);
  public static final FeatureType STRING = new FeatureType(Scalar.STRING, false);
  public static final FeatureType BYTES = new FeatureType(Scalar.BYTES, false);
  public static final FeatureType TIMESTAMP = new FeatureType(Scalar.TIMESTAMP, false);

  public FeatureType {
    Objects.requireNonNull(scalar, "scalar");
  }

  public static FeatureType arrayOf(Scalar element) {
    return new FeatureType(element, true);
  }

  /**
   * Parses the spec spelling. Accepts {@code ARRAY<X>} and {@code LIST<X>} for arrays,
   * case-insensitive.
   *
   * @return empty when the text is not a type (the validator turns that into a "did you mean"
   *     error)
   */
  public static Optional<FeatureType> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
    boolean array = false;
    for (String prefix : new String[] {"ARRAY<", "LIST<"}) {
      if (t.startsWith(prefix) && t.endsWith(">")) {
        t = t.substring(prefix.length(), t.length() - 1);
        array = true;
        break;
      }
    }
    t =
        switch (t) {
          case "INT", "INTEGER" -> "INT32";
          case "LONG", "BIGINT" -> "INT64";
          case "FLOAT" -> "FLOAT32";
          case "DOUBLE" -> "FLOAT64";
          case "BOOLEAN" -> "BOOL";
          case "VARCHAR" -> "STRING";
          default -> t;
        };
    try {
      return Optional.of(new FeatureType(Scalar.valueOf(t), array));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The Flink SQL type for this feature type. */
  public String flinkSqlType() {
    String s =
        switch (scalar) {
          case BOOL -> "BOOLEAN";
          case INT32 -> "INT";
          case INT64 -> "BIGINT";
          case FLOAT32 -> "FLOAT";
          case FLOAT64 -> "DOUBLE";
          case STRING -> "STRING";
          case BYTES -> "BYTES";
          case TIMESTAMP -> "TIMESTAMP_LTZ(3)";
        };
    return array ? "ARRAY<" + s + ">" : s;
  }

  @Override
  public String toString() {
    return array ? "ARRAY<" + scalar + ">" : scalar.name();
  }
}
