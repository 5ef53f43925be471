package dev.quiver.serving;

/**
 * The server could not listen on {@code server.host:server.port} because another process holds that
 * address; the message names the option and the fix. An {@link IllegalArgumentException}, like the
 * other configured addresses that do not work here (an HBase quorum that does not answer): the CLI
 * prints the message alone and exits 1.
 */
public final class PortInUseException extends IllegalArgumentException {
  public PortInUseException(String host, int port, Throwable cause) {
    super(
        "server.port: "
            + host
            + ":"
            + port
            + " is already in use by another process; stop that process, or choose another port"
            + " with --set server.port=N (quiver serve: --port N; 0 picks a free one)",
        cause);
  }
}
