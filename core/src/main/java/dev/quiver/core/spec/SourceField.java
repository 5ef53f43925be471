package dev.quiver.core.spec;

import java.util.Objects;

/** One column of a source's schema. */
public record SourceField(String name, FeatureType type) {
  public SourceField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
