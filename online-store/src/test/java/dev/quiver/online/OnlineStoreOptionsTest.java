package dev.quiver.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.ConfigOption;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every online-store option is documented in docs/online-store.md, with its default. */
class OnlineStoreOptionsTest {
  @Test
  void everyOptionIsDocumented() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "online-store.md"));
    for (ConfigOption<?> o : OnlineStoreOptions.all()) {
      String def =
          o.defaultValue() instanceof java.time.Duration d
              ? dev.quiver.core.spec.Durations.format(d)
              : String.valueOf(o.defaultValue());
      assertThat(doc).as(o.key()).contains("| `" + o.key() + "` | `" + def + "` |");
    }
  }
}
