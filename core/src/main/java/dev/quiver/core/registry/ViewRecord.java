package dev.quiver.core.registry;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One stored version of a feature view, as the registry returns it.
 *
 * @param id stable id of this version (a UUID string)
 * @param view the spec, with the registry-assigned {@link Version} and current status
 * @param createdAt when this version was applied
 * @param createdBy who applied it
 * @param sunsetAt for DEPRECATED versions, when they are planned to retire; null otherwise
 * @param specChecksum SHA-256 of the canonical spec, to detect no-op applies
 * @param warnings warnings readers should see (deprecation, unsafe SQL), never null
 */
public record ViewRecord(
    String id,
    FeatureView view,
    Instant createdAt,
    String createdBy,
    Instant sunsetAt,
    String specChecksum,
    List<String> warnings) {
  public ViewRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(createdAt, "createdAt");
    createdBy = createdBy == null ? "" : createdBy;
    Objects.requireNonNull(specChecksum, "specChecksum");
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  public Version version() {
    return view.version();
  }
}
