package dev.quiver.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchWorkDirTest {
  @TempDir Path tmp;

  @Test
  void deletesTheTreeUnlessAskedToKeepIt() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work/online/000001"));
    Files.writeString(work.resolve("CURRENT"), "x");
    Files.writeString(tmp.resolve("work/report.json"), "{}");

    assertThat(BenchWorkDir.delete(tmp.resolve("work"), Map.of(BenchWorkDir.KEEP, "true")))
        .isFalse();
    assertThat(work.resolve("CURRENT")).exists();

    assertThat(BenchWorkDir.delete(tmp.resolve("work"), Map.of())).isTrue();
    assertThat(tmp.resolve("work")).doesNotExist();
    assertThat(BenchWorkDir.delete(tmp.resolve("work"), Map.of())).isTrue();
  }
}
