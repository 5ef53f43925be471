package dev.quiver.cli;

import dev.quiver.core.config.ConfigDocsCompletenessTest;
import org.junit.jupiter.api.Test;

class CliOptionsDocsTest {
  @Test
  void everyCliOptionIsDocumented() {
    ConfigDocsCompletenessTest.assertDocumented(CliOptions.ALL);
  }
}
