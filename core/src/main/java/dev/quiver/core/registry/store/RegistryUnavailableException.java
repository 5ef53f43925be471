package dev.quiver.core.registry.store;

/**
 * The registry database does not answer: no connection within the pool's timeout (the server is
 * stopped, unreachable or out of connections), or the connection died under a transaction and
 * retrying on new ones failed too. Unlike other {@link RegistryStoreException}s the same call may
 * succeed once the database is back; nothing was committed, except where the message says the
 * connection was lost while committing.
 */
public class RegistryUnavailableException extends RegistryStoreException {
  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
