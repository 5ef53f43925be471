package dev.quiver.core.registry.store;

import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A view version without its spec: what version resolution needs.
 *
 * @param sunsetAt null unless DEPRECATED with a sunset date
 */
public record VersionInfo(
    String id,
    Version version,
    ViewStatus status,
    Instant sunsetAt,
    String specChecksum,
    Instant createdAt,
    String createdBy) {
  public VersionInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(status, "status");
  }
}
