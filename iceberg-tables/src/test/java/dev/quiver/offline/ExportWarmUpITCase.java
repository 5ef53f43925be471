package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's warm-up export runs a real export on its generated data and leaves no file. */
class ExportWarmUpITCase {
  @Test
  void exportsItsLabelRowsAndLeavesNothingBehind(@TempDir Path parent) throws IOException {
    // its own parent, not the shared temporary folder: another process's warm-up (a quiver serve
    // or quiver local on the same machine) came and went there while this one ran
    assertThat(ExportWarmUp.run(2, parent)).isEqualTo(ExportWarmUp.LABELS);
    try (Stream<Path> s = Files.list(parent)) {
      assertThat(s).isEmpty();
    }
  }
}
