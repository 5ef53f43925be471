package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.ConfigOption;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Fails when a registry option is missing from docs/registry.md, or its default differs. */
class RegistryOptionsDocsTest {

  @Test
  void everyOptionIsDocumentedWithItsDefault() throws Exception {
    Path doc = Path.of("..", "docs", "registry.md");
    String text = Files.readString(doc);
    for (ConfigOption<?> o : RegistryOptions.all()) {
      String def = o.defaultValue() == null ? "—" : "`" + o.defaultValue() + "`";
      assertThat(text).as(o.key()).contains("| `" + o.key() + "` | " + def + " |");
    }
    assertThat(text).contains(RegistryOptions.PASSWORD_ENV);
  }
}
