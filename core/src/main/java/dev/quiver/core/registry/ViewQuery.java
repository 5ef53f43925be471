package dev.quiver.core.registry;

import dev.quiver.core.spec.ViewStatus;

/**
 * Filters for listing views; null fields do not filter. {@code text} matches name, description and
 * feature names, case-insensitively. {@code tag} is {@code key} or {@code key=value}.
 */
public record ViewQuery(
    String namespace, String owner, String tag, ViewStatus status, String text, int limit) {
  public static ViewQuery all() {
    return new ViewQuery(null, null, null, null, null, 10_000);
  }
}
