package dev.quiver.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The TCP ports this JVM listens on with a wildcard address (every interface), read from Linux's
 * {@code /proc}: the sockets of this process ({@code /proc/self/fd}) in state LISTEN in {@code
 * /proc/net/tcp} and {@code tcp6} whose local address is {@code 0.0.0.0} or {@code ::}. Local
 * servers (a MiniCluster, a test broker) should listen on the loopback address only.
 */
public final class ListeningSockets {
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  /** The wildcard-bound listening ports of this process; empty where /proc is not there. */
  public static Set<Integer> wildcardPorts() {
    Set<String> inodes = socketInodes();
    Set<Integer> ports = new TreeSet<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path p = Path.of(table);
      if (!Files.isReadable(p)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(p)) {
        lines
            .skip(1)
            .map(l -> l.trim().split("\\s+"))
            .filter(f -> f.length > 9 && f[3].equals(LISTEN) && inodes.contains(f[9]))
            .forEach(
                f -> {
                  String[] local = f[1].split(":");
                  if (local[0].chars().allMatch(c -> c == '0')) {
                    ports.add(Integer.parseInt(local[1], 16));
                  }
                });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ports;
  }

  private static Set<String> socketInodes() {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(fds)) {
      return list.map(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                  return ""; // closed meanwhile
                }
              })
          .filter(t -> t.startsWith("socket:["))
          .map(t -> t.substring("socket:[".length(), t.length() - 1))
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
