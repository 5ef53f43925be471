package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the embedded stores live when {@code quiver.yaml} does not say: under {@code
 * quiver.data-dir} ({@code .quiver}): {@code online/}, {@code warehouse/}, {@code checkpoints/}.
 */
final class LocalDefaults {
  private LocalDefaults() {}

  static QuiverConfig apply(QuiverConfig config) {
    Path data = Path.of(config.get(CliOptions.DATA_DIR));
    QuiverConfig c = config;
    for (Map.Entry<String, String> e :
        Map.of(
                "online.embedded.path", data.resolve("online").toString(),
                "offline.warehouse", data.resolve("warehouse").toString(),
                "jobs.checkpoint-dir", data.resolve("checkpoints").toString())
            .entrySet()) {
      if (!config.asMap().containsKey(e.getKey())) {
        c = c.with(e.getKey(), e.getValue());
      }
    }
    return c;
  }
}
