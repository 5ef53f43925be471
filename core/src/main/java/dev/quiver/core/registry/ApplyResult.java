package dev.quiver.core.registry;

import dev.quiver.core.spec.SpecProblem;
import java.util.List;

/**
 * What an apply changed (or, for a dry run, would change): one {@link ChangePlan} per object, and
 * the warnings the specs raised.
 */
public record ApplyResult(List<ChangePlan> changes, List<SpecProblem> warnings, boolean dryRun) {
  public ApplyResult {
    changes = List.copyOf(changes);
    warnings = List.copyOf(warnings);
  }

  /**
   * The plan for one object.
   *
   * @param kind entity, source, feature_view or feature_service
   * @param action CREATE, UPDATE (new revision), NEW_MAJOR, UNCHANGED
   * @param fromVersion the version it replaces, or null
   * @param toVersion the version it becomes, or null for UNCHANGED
   * @param diffs each field change with its compatibility verdict
   */
  public record ChangePlan(
      String kind,
      String namespace,
      String name,
      String action,
      String fromVersion,
      String toVersion,
      List<Change> diffs) {
    public ChangePlan {
      diffs = List.copyOf(diffs);
    }
  }

  /**
   * One field change, e.g. {@code features[user_ltv]} ADDED, COMPATIBLE.
   *
   * @param path field path
   * @param description "added feature user_ltv FLOAT64"
   * @param compatibility COMPATIBLE or BREAKING
   */
  public record Change(String path, String description, Compatibility compatibility) {}

  public enum Compatibility {
    COMPATIBLE,
    BREAKING
  }
}
