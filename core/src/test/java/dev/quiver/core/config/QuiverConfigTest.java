package dev.quiver.core.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QuiverConfigTest {
  @Test
  void aBadValueNamesTheKeyAndTheExpectedType() {
    ConfigOption<Integer> port = ConfigOption.integer("server.port", 8080, "port");
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("server.port", "abc")).get(port))
        .hasMessage("server.port: 'abc' (expected: an integer)");
    ConfigOption<Long> size = ConfigOption.longOption("server.size", 1L, "size");
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("server.size", "big")).get(size))
        .hasMessage("server.size: 'big' (expected: a long)");
  }

  /** A typo in a key names the key it probably meant (session 11 QA pass: server.prot). */
  @Test
  void anUnknownKeySuggestsTheClosestKnownOne() {
    java.util.List<ConfigOption<?>> known =
        java.util.List.of(
            ConfigOption.integer("server.port", 8080, "port"),
            ConfigOption.string("server.host", "127.0.0.1", "host"));
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("server.prot", "1")).validate(known))
        .hasMessageStartingWith("Unsupported options: server.prot (supported: server.host,")
        .hasMessageEndingWith("; did you mean server.port?");
    assertThatThrownBy(
            () ->
                QuiverConfig.of(
                        Map.of("server.prot", "1", "server.hots", "x", "server.zzzzzz", "y"))
                    .validate(known))
        .hasMessageEndingWith(
            "; did you mean server.host (for server.hots), server.port (for server.prot)?");
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("server.zzzzzzzz", "1")).validate(known))
        .hasMessageEndingWith("raw client settings go under a 'properties.' prefix)");
  }

  /**
   * The supported keys listed are those of the unknown key's section: a typo of server.port listed
   * all ~70 options of every module before the "did you mean", which got lost at the end.
   */
  @Test
  void anUnknownKeyListsTheOptionsOfItsOwnSection() {
    java.util.List<ConfigOption<?>> known =
        java.util.List.of(
            ConfigOption.integer("server.port", 8080, "port"),
            ConfigOption.string("server.host", "127.0.0.1", "host"),
            ConfigOption.string("registry.type", "embedded", "type"),
            ConfigOption.string("registry.url", null, "url"));
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("server.prot", "1")).validate(known))
        .hasMessage(
            "Unsupported options: server.prot (supported: server.host, server.port; raw client"
                + " settings go under a 'properties.' prefix); did you mean server.port?");
    // a section no option is in: every key is listed
    assertThatThrownBy(() -> QuiverConfig.of(Map.of("serve.port", "1")).validate(known))
        .hasMessageContaining("(supported: registry.type, registry.url, server.host, server.port;");
  }

  @Test
  void malformedYamlIsOneLineNamingTheFileLineAndFix() {
    assertThatThrownBy(() -> QuiverConfig.parse("server:\n  port: [8080\n", "quiver.yaml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("quiver.yaml:")
        .hasMessageContaining("not valid YAML: ")
        .hasMessageContaining("expected ',' or ']'")
        .hasMessageContaining("check the indentation")
        .satisfies(
            e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
