package dev.quiver.core.registry;

/**
 * Typed registry failures. The HTTP adapter maps {@link Kind} to a status code in one place:
 * NOT_FOUND → 404, CONFLICT → 409, BREAKING_CHANGE → 409, INVALID → 400, GONE → 410.
 */
public class RegistryException extends RuntimeException {

  public enum Kind {
    NOT_FOUND,
    CONFLICT,
    BREAKING_CHANGE,
    INVALID,
    GONE
  }

  private final Kind kind;
  private final String field;

  public RegistryException(Kind kind, String message, String field) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  public RegistryException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }

  /** The spec or request field the error is about; may be null. */
  public String field() {
    return field;
  }
}
