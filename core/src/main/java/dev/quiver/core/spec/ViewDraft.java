package dev.quiver.core.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A feature view as read from a document, before its source is resolved and aggregation output
 * types are inferred. Remembers where each model feature came from in the file, so that problems
 * found on the model point at what the author wrote.
 *
 * @param source a source name (String), an inline {@link Source}, or null
 */
record ViewDraft(
    String namespace,
    String name,
    Version version,
    List<String> entities,
    Object source,
    List<FeatureDraft> features,
    List<Transformation> transformations,
    Duration ttl,
    Duration slaFreshness,
    String watermarkExpr,
    Duration watermarkDelay,
    Duration allowedLateness,
    Duration tileSize,
    Duration availabilityDelay,
    ViewStatus status,
    boolean online,
    boolean offline,
    String owner,
    String description,
    Map<String, String> tags,
    String featureService,
    Map<String, String> keyAliases) {

  /** Stands in for a missing ttl (already reported) so that the other rules still run. */
  static final Duration MISSING_TTL = Duration.ofDays(365L * 1000);

  /**
   * One model feature.
   *
   * @param specPath where its entry is, e.g. {@code features[1]}
   * @param windowPath where its window is, for expanded aggregations; null otherwise
   */
  record FeatureDraft(
      String name,
      FeatureType dtype,
      String description,
      String expr,
      Aggregation aggregation,
      Map<String, String> tags,
      String specPath,
      String windowPath) {}

  String sourceName() {
    return source instanceof String s ? s : null;
  }

  Source inlineSource() {
    return source instanceof Source s ? s : null;
  }

  /**
   * The model view over the resolved {@code resolved} source (may be null). Aggregations without a
   * dtype get the function's output type over the column's type.
   */
  FeatureView build(Source resolved) {
    Source effective = resolved;
    if (effective != null && watermarkDelay != null) {
      effective = effective.withWatermarkDelay(watermarkDelay);
    }
    List<Feature> out = new ArrayList<>();
    for (FeatureDraft d : features) {
      out.add(
          new Feature(
              d.name(),
              typeOf(d, effective),
              d.description(),
              d.expr(),
              d.aggregation(),
              d.tags()));
    }
    return FeatureView.builder(name)
        .namespace(namespace)
        .version(version)
        .entities(entities)
        .source(effective)
        .features(out)
        .transformations(transformations)
        .ttl(ttl == null ? MISSING_TTL : ttl)
        .slaFreshness(slaFreshness)
        .allowedLateness(allowedLateness)
        .tileSize(tileSize)
        .availabilityDelay(availabilityDelay)
        .status(status)
        .online(online)
        .offline(offline)
        .owner(owner)
        .description(description)
        .tags(tags)
        .watermarkExpr(watermarkExpr)
        .assemble();
  }

  private static FeatureType typeOf(FeatureDraft d, Source source) {
    if (d.dtype() != null) {
      return d.dtype();
    }
    if (d.aggregation() != null) {
      FeatureType input =
          source == null
              ? null
              : source.field(d.aggregation().column()).map(SourceField::type).orElse(null);
      FeatureType inferred = d.aggregation().function().outputType(input);
      if (inferred != null) {
        return inferred;
      }
    }
    // Unknown (a bad dtype or an unknown column, both reported): a stand-in so the other rules run.
    return FeatureType.STRING;
  }

  /** Rewrites a model path ({@code features[3].aggregation.window}) to the author's path. */
  String toSpecPath(String modelPath) {
    if (modelPath.startsWith("features[")) {
      int close = modelPath.indexOf(']');
      int index = Integer.parseInt(modelPath.substring("features[".length(), close));
      String rest = modelPath.substring(close + 1);
      if (index < features.size()) {
        FeatureDraft d = features.get(index);
        if (rest.equals(".aggregation.window") && d.windowPath() != null) {
          return d.windowPath();
        }
        if (rest.equals(".name") && d.windowPath() != null && d.windowPath().contains("windows[")) {
          return d.windowPath();
        }
        return d.specPath() + rest;
      }
    }
    int dot = modelPath.indexOf('.');
    String head = dot < 0 ? modelPath : modelPath.substring(0, dot);
    String alias = keyAliases.get(head);
    return alias == null ? modelPath : alias + (dot < 0 ? "" : modelPath.substring(dot));
  }
}
