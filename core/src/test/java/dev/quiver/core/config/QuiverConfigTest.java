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
