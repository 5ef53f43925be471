package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaterializerSettingsTest {
  @Test
  void theEmbeddedStorePathIsAbsoluteWhetherDefaultOrGiven() {
    // quiver plan printed 'store.online.embedded.path' = '.quiver/online' (quiver.data-dir's
    // default, relative) where the default alone was made absolute
    String given =
        Materializer.settings(QuiverConfig.of(Map.of("online.embedded.path", ".quiver/online")))
            .onlineSinkOptions()
            .get("store.online.embedded.path");
    assertThat(given).isEqualTo(Path.of(".quiver/online").toAbsolutePath().normalize().toString());
    assertThat(Path.of(given)).isAbsolute();
    String byDefault =
        Materializer.settings(QuiverConfig.of(Map.of()))
            .onlineSinkOptions()
            .get("store.online.embedded.path");
    assertThat(Path.of(byDefault)).isAbsolute();
    assertThat(
            Materializer.settings(QuiverConfig.of(Map.of("online.type", "hbase")))
                .onlineSinkOptions())
        .doesNotContainKey("store.online.embedded.path");
  }
}
