package dev.quiver.core;

/**
 * A system Quiver depends on does not answer or refuses it: a database (the offline catalog's), a
 * broker. The message names the option to check and the fix, and the same call may succeed once the
 * system is back. The CLI prints the message alone (exit 70), the REST API answers 503 UNAVAILABLE
 * with it: neither is a bug in Quiver, so neither shows a class name or a trace.
 */
public class UnavailableException extends RuntimeException {
  public UnavailableException(String message) {
    super(message);
  }
}
