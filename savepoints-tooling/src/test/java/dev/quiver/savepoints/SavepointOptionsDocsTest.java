package dev.quiver.savepoints;

import dev.quiver.core.config.ConfigDocsCompletenessTest;
import org.junit.jupiter.api.Test;

/** Every {@code savepoints.*} option is documented in docs/configuration.md, as declared. */
class SavepointOptionsDocsTest {
  @Test
  void everyOptionIsDocumented() {
    ConfigDocsCompletenessTest.assertDocumented(SavepointOptions.all());
  }
}
