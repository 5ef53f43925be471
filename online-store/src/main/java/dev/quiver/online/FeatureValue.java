package dev.quiver.online;

/**
 * One feature value as served.
 *
 * @param value the decoded value (see {@code ValueCodec} for Java types); may be null
 * @param ts row feature: the event time of the value; window aggregation: the newest cell time of
 *     the merged tiles, or null when the window holds no tile; epoch millis
 * @param version the view version that produced it, e.g. {@code v3}
 */
public record FeatureValue(Object value, Long ts, String version) {}
