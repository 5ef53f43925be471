package dev.quiver.core.registry.store;

/** A storage failure that retrying will not fix (connection refused, bad schema, I/O error). */
public class RegistryStoreException extends RuntimeException {
  public RegistryStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
