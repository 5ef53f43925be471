package dev.quiver.core.spec;

import java.util.Objects;

/** One join key column of an entity, e.g. {@code user_id STRING}. */
public record JoinKey(String name, FeatureType type) {
  public JoinKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
