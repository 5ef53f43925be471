package dev.quiver.savepoints;

/**
 * A savepoint operation that could not be done; the message says what failed, with the value, and
 * the fix. {@link #kind()} lets the launcher choose an exit code.
 */
public final class SavepointException extends RuntimeException {
  /** Why the operation failed. */
  public enum Kind {
    /** No running job of the view, or no such checkpoint or savepoint. */
    NOT_FOUND,
    /** The Flink REST endpoint did not answer. */
    UNREACHABLE,
    /** Flink answered, but the savepoint failed (its reason is in the message). */
    FAILED,
    /** The request cannot be served as given (several jobs match, not a checkpoint, ...). */
    INVALID
  }

  private final Kind kind;

  public SavepointException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public SavepointException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
