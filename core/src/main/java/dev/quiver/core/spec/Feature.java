package dev.quiver.core.spec;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One feature of a view: either a row feature (an SQL expression over the source, latest value per
 * entity; {@code expression} null means "the source column of the same name", or the column of that
 * name produced by the view's SQL transformation), or a window aggregation.
 */
public record Feature(
    String name,
    FeatureType dtype,
    String description,
    String expression,
    Aggregation aggregation,
    Map<String, String> tags) {

  public Feature {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    description = description == null ? "" : description;
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  public static Feature row(String name, FeatureType dtype) {
    return new Feature(name, dtype, "", null, null, Map.of());
  }

  public boolean isAggregation() {
    return aggregation != null;
  }

  public Optional<Aggregation> aggregationOpt() {
    return Optional.ofNullable(aggregation);
  }
}
