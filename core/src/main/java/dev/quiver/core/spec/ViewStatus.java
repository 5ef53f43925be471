package dev.quiver.core.spec;

/** Lifecycle of a feature view version: DRAFT → ACTIVE → DEPRECATED → RETIRED. */
public enum ViewStatus {
  DRAFT,
  ACTIVE,
  DEPRECATED,
  RETIRED;

  /** Whether a move from this status to {@code next} is allowed. */
  public boolean canMoveTo(ViewStatus next) {
    return switch (this) {
      case DRAFT -> next == ACTIVE || next == RETIRED;
      case ACTIVE -> next == DEPRECATED;
      case DEPRECATED -> next == RETIRED || next == ACTIVE;
      case RETIRED -> false;
    };
  }
}
