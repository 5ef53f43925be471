package dev.quiver.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fails when a configuration option is not documented in {@code docs/configuration.md}. Other
 * modules call {@link #assertDocumented(Collection)} from their tests with their options (the core
 * test-jar is on their test class path); a key counts as documented when a table row of the page
 * starts with it in backticks, e.g. {@code | `registry.type` | String | embedded | ... |}.
 */
public class ConfigDocsCompletenessTest {
  private static final Pattern ROW_KEY =
      Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|", Pattern.MULTILINE);

  /** Fails naming every undocumented key and the page to add it to. */
  public static void assertDocumented(Collection<? extends ConfigOption<?>> options) {
    assertDocumented(options, readDocs());
  }

  static void assertDocumented(Collection<? extends ConfigOption<?>> options, String page) {
    List<String> documented = documentedKeys(page);
    List<String> missing =
        options.stream()
            .map(ConfigOption::key)
            .filter(k -> !documented.contains(k))
            .sorted()
            .toList();
    if (!missing.isEmpty()) {
      throw new AssertionError(
          "Undocumented configuration options: "
              + String.join(", ", missing)
              + "; add a row '| `key` | type | default | description |' for each to"
              + " docs/configuration.md");
    }
  }

  static List<String> documentedKeys(String page) {
    Matcher m = ROW_KEY.matcher(page);
    List<String> keys = new java.util.ArrayList<>();
    while (m.find()) {
      keys.add(m.group(1).trim());
    }
    return keys;
  }

  /** docs/configuration.md, found by walking up from the module directory. */
  static String readDocs() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path page = dir.resolve("docs").resolve("configuration.md");
      if (Files.isRegularFile(page)) {
        try {
          return Files.readString(page);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      dir = dir.getParent();
    }
    throw new AssertionError(
        "docs/configuration.md not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void findsMissingKeysAndAcceptsDocumentedOnes() {
    String page =
        "| key | type |\n|---|---|\n| `a.b` | String |\n|`c.d`| Integer |\ntext `e.f` in prose\n";
    assertDocumented(
        List.of(ConfigOption.string("a.b", null, "x"), ConfigOption.integer("c.d", 1, "y")), page);
    assertThatThrownBy(
            () ->
                assertDocumented(
                    List.of(
                        ConfigOption.string("a.b", null, "x"),
                        ConfigOption.string("e.f", null, "only in prose"),
                        ConfigOption.string("g.h", null, "nowhere")),
                    page))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Undocumented configuration options: e.f, g.h");
  }

  @Test
  void everyOptionOfTheProvidersOnThisClassPathIsDocumented() {
    List<ConfigOption<?>> options = new java.util.ArrayList<>();
    ServiceLoader.load(ConfigOptionsProvider.class).forEach(p -> options.addAll(p.options()));
    assertDocumented(options);
    assertThat(documentedKeys(readDocs())).isNotEmpty();
  }
}
