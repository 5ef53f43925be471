package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A registry that the configuration cannot describe is a configuration error: exit code 2 (usage,
 * as cli.md says for a bad configuration key or value), with the option named, before anything is
 * opened.
 */
class RegistryConfigErrorsTest extends CliTestSupport {

  @Test
  void anUnknownRegistryTypeIsAConfigurationError() {
    Run r = fails(2, "--set", "registry.type=mysql", "list");
    assertThat(r.err())
        .contains("registry.type: 'mysql' is not a registry store")
        .contains("embedded")
        .contains("postgres");
  }

  @Test
  void aPostgresRegistryWithoutAUrlIsAConfigurationError() {
    Run r = fails(2, "--set", "registry.type=postgres", "list");
    assertThat(r.err()).contains("registry.url: missing");
  }
}
