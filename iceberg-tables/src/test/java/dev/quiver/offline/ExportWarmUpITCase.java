package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The server's warm-up export runs a real export on its generated data and leaves no file. */
class ExportWarmUpITCase {
  @Test
  void exportsItsLabelRowsAndLeavesNothingBehind() throws IOException {
    long before = warmUpDirs();
    assertThat(ExportWarmUp.run(2)).isEqualTo(ExportWarmUp.LABELS);
    assertThat(warmUpDirs()).isEqualTo(before);
  }

  private static long warmUpDirs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("quiver-warm-up-")).count();
    }
  }
}
