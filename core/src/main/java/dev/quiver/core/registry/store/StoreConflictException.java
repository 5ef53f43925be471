package dev.quiver.core.registry.store;

/**
 * A concurrent writer changed the same rows first. The transaction was rolled back; the caller may
 * re-read and retry.
 */
public class StoreConflictException extends RuntimeException {
  public StoreConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
