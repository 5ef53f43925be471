package dev.quiver.cli;

import dev.quiver.core.config.ConfigDocsCompletenessTest;
import org.junit.jupiter.api.Test;

class CliOptionsDocsTest {
  @Test
  void everyCliOptionIsDocumented() {
    ConfigDocsCompletenessTest.assertDocumented(CliOptions.ALL);
  }

  /** Every option the launcher accepts in quiver.yaml, whichever module declares it. */
  @Test
  void everyOptionTheLauncherChecksIsDocumented() {
    java.util.List<dev.quiver.core.config.ConfigOption<?>> all = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(dev.quiver.core.config.ConfigOptionsProvider.class)
        .forEach(p -> all.addAll(p.options()));
    org.assertj.core.api.Assertions.assertThat(all).hasSizeGreaterThan(CliOptions.ALL.size());
    ConfigDocsCompletenessTest.assertDocumented(all);
  }

  /** The launcher sees every module's options, so it also catches a documented key nobody reads. */
  @Test
  void everyDocumentedOptionIsDeclared() {
    java.util.List<dev.quiver.core.config.ConfigOption<?>> all = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(dev.quiver.core.config.ConfigOptionsProvider.class)
        .forEach(p -> all.addAll(p.options()));
    ConfigDocsCompletenessTest.assertNoUndeclaredKeys(all);
  }
}
