package dev.quiver.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The end of a benchmark's work directory under the temp directory (stores, warehouses,
 * checkpoints: tens to hundreds of MB a run, which runs left behind): deleted, unless {@code
 * QUIVER_BENCH_KEEP_DIR=true} asks to keep it for a look (a JFR recording, the store's files).
 */
public final class BenchWorkDir {
  /** The environment variable that keeps the work directories. */
  public static final String KEEP = "QUIVER_BENCH_KEEP_DIR";

  private BenchWorkDir() {}

  /** Deletes {@code dir} and everything under it, unless this process's environment keeps it. */
  public static void delete(Path dir) {
    delete(dir, System.getenv());
  }

  /**
   * Deletes {@code dir} and everything under it unless {@code env} has {@code
   * QUIVER_BENCH_KEEP_DIR=true}, in which case it prints where the directory is. A file that cannot
   * be deleted is left, with a line saying so: cleaning up never fails a benchmark.
   *
   * @return whether the directory is gone
   */
  public static boolean delete(Path dir, Map<String, String> env) {
    if ("true".equals(env.get(KEEP))) {
      System.out.println("kept the work directory " + dir + " (" + KEEP + "=true)");
      return false;
    }
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      tree.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      return true;
    } catch (IOException | UncheckedIOException e) {
      System.out.println("could not delete the work directory " + dir + ": " + e);
      return false;
    }
  }
}
