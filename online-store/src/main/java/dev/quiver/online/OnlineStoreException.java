package dev.quiver.online;

/** A failure of the online store, naming the operation and the table or key involved. */
public class OnlineStoreException extends RuntimeException {
  public OnlineStoreException(String message) {
    super(message);
  }

  public OnlineStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
