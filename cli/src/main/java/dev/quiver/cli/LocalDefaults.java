package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.local.LocalRuntime;
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
    for (Map.Entry<String, String> e : LocalRuntime.RUN_DIRS.entrySet()) {
      if (!config.asMap().containsKey(e.getKey())) {
        c = c.with(e.getKey(), data.resolve(e.getValue()).toString());
      }
    }
    return c;
  }
}
