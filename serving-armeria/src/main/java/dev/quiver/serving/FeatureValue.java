package dev.quiver.serving;

/**
 * One served feature value with its event time. {@code value} is a Long, Double, Boolean, String, a
 * {@code List} (last_n) or a {@code float[]}/{@code double[]} (embeddings); never null (an absent
 * value is a null {@code FeatureValue}). {@code tsMillis} is {@link #NO_TS} for a window
 * aggregation over an empty window (its value, e.g. a count of 0, is still current).
 */
public record FeatureValue(Object value, long tsMillis) {
  public static final long NO_TS = Long.MIN_VALUE;

  public boolean hasTs() {
    return tsMillis != NO_TS;
  }
}
