package dev.quiver.core.spec;

import java.util.List;
import java.util.Objects;

/**
 * A business object that features describe, with its join keys (for example {@code user} keyed by
 * {@code user_id STRING}). A view that names an entity that was never declared gets the implicit
 * entity {@link #implicit(String, String)}: one STRING key called {@code <name>_id}.
 */
public record Entity(
    String namespace, String name, List<JoinKey> joinKeys, String description, String owner) {

  public Entity {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    joinKeys = List.copyOf(joinKeys);
    description = description == null ? "" : description;
    owner = owner == null ? "" : owner;
  }

  /** The entity a view gets when it names an entity that was not declared. */
  public static Entity implicit(String namespace, String name) {
    return new Entity(
        namespace, name, List.of(new JoinKey(name + "_id", FeatureType.STRING)), "", "");
  }
}
