package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quiver local} sets the previous run's online store, warehouse and checkpoints aside (its
 * broker starts empty, so its jobs start without state), keeps the registry, and leaves locations
 * configured elsewhere alone.
 */
class PreviousRunTest {
  @TempDir Path data;

  @Test
  void thePreviousRunsDataIsMovedAsideAndTheRegistryStays() throws Exception {
    for (String d : new String[] {"online", "warehouse", "checkpoints", "registry"}) {
      Files.createDirectories(data.resolve(d));
      Files.writeString(data.resolve(d).resolve("run-1"), d);
    }
    StringWriter text = new StringWriter();
    // as the CLI passes it: the default place named explicitly, or left out
    QuiverConfig cli =
        QuiverConfig.of(Map.of("online.embedded.path", data.resolve("online").toString()));
    LocalRuntime.setAsidePreviousRun(cli, data, new PrintWriter(text));

    Path previous = data.resolve(LocalRuntime.PREVIOUS_RUN);
    for (String d : new String[] {"online", "warehouse", "checkpoints"}) {
      assertThat(data.resolve(d)).doesNotExist();
      assertThat(previous.resolve(d).resolve("run-1")).hasContent(d);
    }
    assertThat(data.resolve("registry").resolve("run-1")).hasContent("registry");
    assertThat(text.toString()).contains("Moved the previous run's", previous.toString());

    // the next start replaces the run before with the one just stopped
    Files.createDirectories(data.resolve("online"));
    Files.writeString(data.resolve("online").resolve("run-2"), "online");
    LocalRuntime.setAsidePreviousRun(QuiverConfig.of(Map.of()), data, new PrintWriter(text));
    assertThat(previous.resolve("online").resolve("run-2")).exists();
    assertThat(previous.resolve("online").resolve("run-1")).doesNotExist();
    assertThat(previous.resolve("warehouse")).doesNotExist();
  }

  @Test
  void locationsConfiguredElsewhereAndAFirstStartAreLeftAlone() throws Exception {
    Files.createDirectories(data.resolve("warehouse"));
    StringWriter text = new StringWriter();
    QuiverConfig configured =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse",
                data.resolveSibling("shared-warehouse").toString(),
                "online.embedded.path",
                data.resolveSibling("shared-online").toString()));
    LocalRuntime.setAsidePreviousRun(configured, data, new PrintWriter(text));
    assertThat(data.resolve("warehouse")).isDirectory();
    assertThat(data.resolve(LocalRuntime.PREVIOUS_RUN)).doesNotExist();
    assertThat(text.toString()).isEmpty();
  }

  @Test
  void aSecondRunOnTheSameDataDirectoryIsRefusedBeforeItMovesAnything() throws Exception {
    Files.createDirectories(data.resolve("online"));
    try (AutoCloseable first = LocalRuntime.lockDataDir(data)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalRuntime.lockDataDir(data))
          .isInstanceOf(LocalRuntime.DataDirInUseException.class)
          .hasMessageContaining("is in use by another quiver local")
          .hasMessageContaining("quiver.data-dir");
    }
    // released: the next run takes it
    LocalRuntime.lockDataDir(data).close();
    assertThat(data.resolve("online")).isDirectory();
  }
}
