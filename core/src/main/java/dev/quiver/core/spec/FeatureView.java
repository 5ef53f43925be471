package dev.quiver.core.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated feature view spec: a named, versioned group of features about one or more entities,
 * computed from one source by declarative aggregations and/or a Flink SQL transformation. Built
 * only by {@link Builder#build()} (which checks invariants) or by the spec parser after validation.
 *
 * <p>{@code version} is the spec author's major ({@code v3}); the registry assigns revisions.
 */
public record FeatureView(
    String namespace,
    String name,
    Version version,
    List<String> entities,
    Source source,
    List<Feature> features,
    List<Transformation> transformations,
    Duration ttl,
    Duration slaFreshness,
    Duration allowedLateness,
    Duration tileSize,
    Duration availabilityDelay,
    ViewStatus status,
    boolean online,
    boolean offline,
    String owner,
    String description,
    Map<String, String> tags,
    String watermarkExpr) {

  public static final String DEFAULT_NAMESPACE = "default";
  public static final Duration DEFAULT_TILE = Duration.ofMinutes(5);

  public FeatureView {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    entities = List.copyOf(entities);
    features = List.copyOf(features);
    transformations = transformations == null ? List.of() : List.copyOf(transformations);
    Objects.requireNonNull(ttl, "ttl");
    slaFreshness = slaFreshness == null ? Duration.ZERO : slaFreshness;
    allowedLateness = allowedLateness == null ? Duration.ZERO : allowedLateness;
    tileSize = tileSize == null ? DEFAULT_TILE : tileSize;
    availabilityDelay = availabilityDelay == null ? Duration.ZERO : availabilityDelay;
    status = status == null ? ViewStatus.ACTIVE : status;
    owner = owner == null ? "" : owner;
    description = description == null ? "" : description;
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    watermarkExpr = watermarkExpr == null || watermarkExpr.isBlank() ? null : watermarkExpr;
  }

  /**
   * The event-time column of the view's rows: {@code watermark_expr} when given (the PRD spelling),
   * else the source's event-time field; null when neither is known.
   */
  public String eventTimeColumn() {
    if (watermarkExpr != null) {
      return watermarkExpr;
    }
    return source == null || source.eventTimeField().isEmpty() ? null : source.eventTimeField();
  }

  public Optional<Feature> feature(String featureName) {
    return features.stream().filter(f -> f.name().equals(featureName)).findFirst();
  }

  /** {@code namespace.name}. */
  public String qualifiedName() {
    return namespace + "." + name;
  }

  public FeatureView withVersion(Version v) {
    return toBuilder().version(v).assemble();
  }

  public FeatureView withStatus(ViewStatus s) {
    return toBuilder().status(s).assemble();
  }

  /** This view over another source (e.g. a source referenced by name, once resolved). */
  public FeatureView withSource(Source s) {
    return toBuilder().source(s).assemble();
  }

  /** A builder holding every field of this view. */
  public Builder toBuilder() {
    return builder(name)
        .namespace(namespace)
        .version(version)
        .entities(entities)
        .source(source)
        .features(features)
        .transformations(transformations)
        .ttl(ttl)
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
        .watermarkExpr(watermarkExpr);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builder for tests and programmatic creation; {@link #build()} validates. */
  public static final class Builder {
    private String namespace = DEFAULT_NAMESPACE;
    private final String name;
    private Version version = Version.of(1);
    private List<String> entities = List.of();
    private Source source;
    private List<Feature> features = List.of();
    private List<Transformation> transformations = List.of();
    private Duration ttl = Duration.ofDays(1);
    private Duration slaFreshness;
    private Duration allowedLateness;
    private Duration tileSize;
    private Duration availabilityDelay;
    private ViewStatus status = ViewStatus.ACTIVE;
    private boolean online = true;
    private boolean offline = true;
    private String owner = "";
    private String description = "";
    private Map<String, String> tags = Map.of();
    private String watermarkExpr;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Builder namespace(String v) {
      this.namespace = v;
      return this;
    }

    public Builder version(Version v) {
      this.version = v;
      return this;
    }

    public Builder entities(List<String> v) {
      this.entities = v;
      return this;
    }

    public Builder source(Source v) {
      this.source = v;
      return this;
    }

    public Builder features(List<Feature> v) {
      this.features = v;
      return this;
    }

    public Builder transformations(List<Transformation> v) {
      this.transformations = v;
      return this;
    }

    public Builder ttl(Duration v) {
      this.ttl = v;
      return this;
    }

    public Builder slaFreshness(Duration v) {
      this.slaFreshness = v;
      return this;
    }

    public Builder allowedLateness(Duration v) {
      this.allowedLateness = v;
      return this;
    }

    public Builder tileSize(Duration v) {
      this.tileSize = v;
      return this;
    }

    public Builder availabilityDelay(Duration v) {
      this.availabilityDelay = v;
      return this;
    }

    public Builder status(ViewStatus v) {
      this.status = v;
      return this;
    }

    public Builder online(boolean v) {
      this.online = v;
      return this;
    }

    public Builder offline(boolean v) {
      this.offline = v;
      return this;
    }

    public Builder owner(String v) {
      this.owner = v;
      return this;
    }

    public Builder description(String v) {
      this.description = v;
      return this;
    }

    public Builder tags(Map<String, String> v) {
      this.tags = v;
      return this;
    }

    public Builder watermarkExpr(String v) {
      this.watermarkExpr = v;
      return this;
    }

    public FeatureView build() {
      if (entities.isEmpty()) {
        throw new IllegalArgumentException("entities: [] (expected: at least one entity name)");
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException("features: [] (expected: at least one feature)");
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl_seconds: " + ttl.toSeconds() + " (expected: > 0)");
      }
      return assemble();
    }

    /**
     * The view without the builder's checks: for copies of a view that was valid already, and for
     * the spec reader, whose validator reports every problem of a draft at once.
     */
    FeatureView assemble() {
      return new FeatureView(
          namespace,
          name,
          version,
          entities,
          source,
          features,
          transformations,
          ttl,
          slaFreshness,
          allowedLateness,
          tileSize,
          availabilityDelay,
          status,
          online,
          offline,
          owner,
          description,
          tags,
          watermarkExpr);
    }
  }
}
