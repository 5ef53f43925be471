package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quiver backfill --online} while another process holds the embedded online store (QA pass,
 * session 11: with {@code quiver local} running, the backfill ran its batch job and then failed
 * with RocksDB's "While lock file: .../online/LOCK: Resource temporarily unavailable" and a stack
 * trace). The holder here is a child JVM taking the same kind of lock RocksDB takes (fcntl).
 */
class OnlineStoreLockITCase {
  @TempDir Path dir;

  /** Holds an exclusive lock on the file named by its argument until its input closes. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
        ch.lock();
        System.out.println("locked");
        System.out.flush();
        System.in.read();
      }
    }
  }

  /**
   * Starts a child JVM ({@link Holder}) that holds an exclusive lock on {@code file} until its
   * stdin closes; returns once it holds it.
   */
  static Process holdLock(Path file) throws Exception {
    Process holder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Holder.class.getName(),
                    file.toString()))
            .redirectErrorStream(true)
            .start();
    var out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
    assertThat(out.readLine()).isEqualTo("locked");
    return holder;
  }

  @Test
  void aStoreHeldByAnotherProcessIsRefusedBeforeTheJob() throws Exception {
    Path store = Files.createDirectories(dir.resolve("online"));
    Path lock = Files.createFile(store.resolve("LOCK"));
    QuiverConfig config = QuiverConfig.of(Map.of("online.embedded.path", store.toString()));
    assertThatCode(() -> BackfillCommand.requireEmbeddedStoreFree(config))
        .doesNotThrowAnyException();
    Process holder = holdLock(lock);
    try {
      assertThatThrownBy(() -> BackfillCommand.requireEmbeddedStoreFree(config))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--online: the embedded online store at " + store)
          .hasMessageContaining("is in use by another process")
          .hasMessageContaining("add --server http://")
          .hasMessageContaining("POST /v1/backfill with \"online\": true");
      // an HBase store, or no store yet, is not checked
      assertThatCode(
              () ->
                  BackfillCommand.requireEmbeddedStoreFree(
                      QuiverConfig.of(
                          Map.of(
                              "online.type", "hbase", "online.embedded.path", store.toString()))))
          .doesNotThrowAnyException();
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    assertThatCode(() -> BackfillCommand.requireEmbeddedStoreFree(config))
        .doesNotThrowAnyException();
  }

  /**
   * quiver serve on a data directory whose store a running quiver local or quiver serve holds: it
   * exited 70 with "error: dev.quiver.online.OnlineStoreException: cannot open the embedded online
   * store at ...: While lock file: .../LOCK: Resource temporarily unavailable" and a cause chain.
   */
  @Test
  void serveRefusesAStoreHeldByAnotherProcessNamingTheFix() throws Exception {
    Path data = dir.resolve("data");
    Path store = Files.createDirectories(data.resolve("online"));
    Process holder = holdLock(Files.createFile(store.resolve("LOCK")));
    try {
      java.io.StringWriter err = new java.io.StringWriter();
      int code =
          QuiverCli.commandLine()
              .setOut(new java.io.PrintWriter(new java.io.StringWriter(), true))
              .setErr(new java.io.PrintWriter(err, true))
              .execute(
                  "--set",
                  "quiver.data-dir=" + data,
                  "--set",
                  "offline.warm-up=false",
                  "serve",
                  "--port",
                  "0");
      assertThat(code).as(err.toString()).isEqualTo(ExitCode.INVALID);
      assertThat(err.toString())
          .startsWith("error: online.embedded.path: the embedded online store at " + store)
          .contains("is in use by another process")
          .contains("--set quiver.data-dir=DIR")
          .doesNotContain("caused by")
          .doesNotContain("Exception");
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
  }
}
