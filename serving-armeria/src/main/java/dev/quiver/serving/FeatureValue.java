package dev.quiver.serving;

/**
 * One served feature value with its event time. {@code value} is a Long, Double, Boolean, String, a
 * {@code List} (last_n) or a {@code float[]}/{@code double[]} (embeddings); never null (an absent
 * value is a null {@code FeatureValue}).
 */
public record FeatureValue(Object value, long tsMillis) {}
