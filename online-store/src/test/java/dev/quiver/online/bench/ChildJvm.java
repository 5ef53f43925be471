package dev.quiver.online.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a benchmark's HBase part in a child JVM without {@code hbase-shaded-client} on the class
 * path (the mini-cluster jar bundles its own client, and two copies of HBase's shaded Netty clash),
 * and ends it when its work is done.
 *
 * <p>The HBase mini-cluster leaves non-daemon threads behind after it is shut down, so the child's
 * JVM would not end by itself. Instead of exiting from inside, the child calls {@link #markDone}
 * when its results are written; the parent then gives it a few seconds to end by itself and
 * otherwise terminates it ({@link Process#destroy}: a normal shutdown, hooks run).
 */
public final class ChildJvm {
  /** The system property naming the file that {@link #markDone} creates. */
  static final String DONE = "quiver.bench.done";

  private static final Duration GRACE = Duration.ofSeconds(10);

  private ChildJvm() {}

  /**
   * Runs {@code main} with {@code args} in a child JVM (this JVM's options and class path, minus
   * {@code hbase-shaded-client}), its output inherited.
   *
   * @return 0 when the child marked its work done (or exited with 0); else its exit code, or -1
   *     when it ran past {@code timeout} without finishing
   */
  public static int run(Class<?> main, List<String> args, Duration timeout)
      throws IOException, InterruptedException {
    String cp = classPath();
    Path done = Files.createTempFile("quiver-bench-child", ".done");
    Files.delete(done);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-D" + DONE + "=" + done);
    cmd.addAll(List.of("-cp", cp, main.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!Files.exists(done)) {
        if (p.waitFor(200, TimeUnit.MILLISECONDS)) {
          return p.exitValue();
        }
        if (System.nanoTime() > deadline) {
          return -1;
        }
      }
      if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroy(); // the work is done; only the mini-cluster's leftover threads remain
        if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
        }
      }
      return 0;
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
      Files.deleteIfExists(done);
    }
  }

  /**
   * This JVM's class path without {@code hbase-shaded-client}: a child's, beside the mini-cluster.
   */
  public static String classPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains("hbase-shaded-client"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** In the child: its results are written (a no-op when not run by {@link #run}). */
  public static void markDone() throws IOException {
    String done = System.getProperty(DONE);
    if (done != null) {
      Files.createFile(Path.of(done));
    }
  }

  /** Whether this JVM is a child started by {@link #run}. */
  public static boolean isChild() {
    return System.getProperty(DONE) != null;
  }
}
