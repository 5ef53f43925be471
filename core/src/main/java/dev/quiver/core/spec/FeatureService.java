package dev.quiver.core.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named list of features that one model consumes, so the registry knows each view's consumers.
 * References are {@code view.feature}, optionally pinned: {@code view:v3.feature}; an unpinned
 * reference follows the newest ACTIVE version, a pinned one never moves.
 */
public record FeatureService(
    String namespace,
    String name,
    List<FeatureRef> features,
    String owner,
    String description,
    Map<String, String> tags) {
  public FeatureService {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    features = List.copyOf(features);
    owner = owner == null ? "" : owner;
    description = description == null ? "" : description;
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }
}
