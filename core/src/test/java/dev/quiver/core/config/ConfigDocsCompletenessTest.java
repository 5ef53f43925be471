package dev.quiver.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fails when a configuration option is not documented in {@code docs/configuration.md}, or is
 * documented with another type or default than the code declares. Other modules call {@link
 * #assertDocumented(Collection)} from their tests with their options (the core test-jar is on their
 * test class path); a key counts as documented when a table row of the page starts with it in
 * backticks, e.g. {@code | `registry.type` | String | `embedded` | ... |}. The default cell must
 * hold the code's default in backticks, written as the page writes values ({@code 5s}, {@code
 * 200ms}, {@code 7d}, {@code 250000} for 250000.0), and no backticked value when there is none.
 * {@link #assertNoUndeclaredKeys(Collection)} checks the other direction: a module that sees every
 * option (the launcher) fails on a documented key that no option declares.
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
    Map<String, List<String>> rows = optionRows(page);
    List<String> wrong = new ArrayList<>();
    for (ConfigOption<?> option : options) {
      List<String> cells = rows.get(option.key());
      if (cells == null) {
        continue; // documented outside an option table; the completeness check above is enough
      }
      String type = option.type().getSimpleName();
      if (cells.size() < 3 || !cells.get(1).equals(type)) {
        wrong.add(option.key() + ": type column '" + cell(cells, 1) + "' (expected: " + type + ")");
        continue;
      }
      String defaultCell = cells.get(2);
      Object def = option.defaultValue();
      if (def == null) {
        if (defaultCell.contains("`")) {
          wrong.add(
              option.key()
                  + ": default column '"
                  + defaultCell
                  + "' (expected: no value, the code"
                  + " declares no default)");
        }
      } else if (docForms(def).stream().noneMatch(f -> defaultCell.contains("`" + f + "`"))) {
        wrong.add(
            option.key()
                + ": default column '"
                + defaultCell
                + "' (expected: `"
                + docForms(def).get(0)
                + "`, the code's default)");
      }
    }
    if (!wrong.isEmpty()) {
      throw new AssertionError(
          "docs/configuration.md disagrees with the code: " + String.join("; ", wrong));
    }
  }

  /**
   * Fails naming every key of an option table ({@code | key | type | default | ...}) of the page
   * that none of {@code options} declares: a documented option the code does not read.
   */
  public static void assertNoUndeclaredKeys(Collection<? extends ConfigOption<?>> options) {
    assertNoUndeclaredKeys(options, readDocs());
  }

  static void assertNoUndeclaredKeys(Collection<? extends ConfigOption<?>> options, String page) {
    Set<String> declared = new HashSet<>();
    options.forEach(o -> declared.add(o.key()));
    List<String> extra =
        optionRows(page).keySet().stream().filter(k -> !declared.contains(k)).sorted().toList();
    if (!extra.isEmpty()) {
      throw new AssertionError(
          "docs/configuration.md documents options that no module declares: "
              + String.join(", ", extra)
              + "; remove their rows or declare them in the module's *Options class");
    }
  }

  /** Rows of the option tables (header {@code | key | type | default |}), by key, as cells. */
  static Map<String, List<String>> optionRows(String page) {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    boolean inOptionTable = false;
    for (String line : page.split("\n")) {
      String t = line.trim();
      if (!t.startsWith("|")) {
        inOptionTable = false;
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (String c : t.substring(1).split("\\|", -1)) {
        cells.add(c.trim());
      }
      cells.remove(cells.size() - 1); // after the closing '|'
      if (cells.size() >= 3
          && cells.get(0).equals("key")
          && cells.get(1).equals("type")
          && cells.get(2).equals("default")) {
        inOptionTable = true;
      } else if (inOptionTable && cells.get(0).matches("`[^`]+`")) {
        rows.put(cells.get(0).substring(1, cells.get(0).length() - 1), cells);
      }
    }
    return rows;
  }

  /** How the page writes a default value; the first form is the one to suggest. */
  static List<String> docForms(Object value) {
    if (value instanceof Duration d) {
      long ms = d.toMillis();
      for (long[] unit :
          new long[][] {{86_400_000L, 'd'}, {3_600_000L, 'h'}, {60_000L, 'm'}, {1000L, 's'}}) {
        if (ms != 0 && ms % unit[0] == 0) {
          return List.of(ms / unit[0] + String.valueOf((char) unit[1]));
        }
      }
      return ms == 0 ? List.of("0s", "0ms") : List.of(ms + "ms");
    }
    if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
      return List.of(String.valueOf(d.longValue()), d.toString());
    }
    return List.of(String.valueOf(value));
  }

  private static String cell(List<String> cells, int i) {
    return i < cells.size() ? cells.get(i) : "";
  }

  static List<String> documentedKeys(String page) {
    Matcher m = ROW_KEY.matcher(page);
    List<String> keys = new ArrayList<>();
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
  void findsAWrongTypeOrDefault() {
    String page =
        "| key | type | default | description |\n|---|---|---|---|\n"
            + "| `a.b` | Duration | `5s` | x |\n"
            + "| `c.d` | Double | `250000` | y |\n"
            + "| `e.f` | String | — | z |\n"
            + "| `g.h` | Integer | `2` | w |\n";
    List<ConfigOption<?>> right =
        List.of(
            ConfigOption.duration("a.b", Duration.ofSeconds(5), "x"),
            ConfigOption.doubleOption("c.d", 250000.0, "y"),
            ConfigOption.string("e.f", null, "z"),
            ConfigOption.integer("g.h", 2, "w"));
    assertDocumented(right, page);
    assertNoUndeclaredKeys(right, page);
    assertThatThrownBy(
            () ->
                assertDocumented(
                    List.of(
                        ConfigOption.duration("a.b", Duration.ofMillis(500), "x"),
                        ConfigOption.longOption("g.h", 2L, "w"),
                        ConfigOption.string("e.f", "v", "z")),
                    page))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a.b: default column '`5s`' (expected: `500ms`, the code's default)")
        .hasMessageContaining("g.h: type column 'Integer' (expected: Long)")
        .hasMessageContaining("e.f: default column '—' (expected: `v`, the code's default)");
    assertThatThrownBy(() -> assertNoUndeclaredKeys(right.subList(0, 3), page))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("documents options that no module declares: g.h;");
    assertThat(docForms(Duration.ofDays(7))).containsExactly("7d");
    assertThat(docForms(Duration.ofMillis(200))).containsExactly("200ms");
    assertThat(docForms(Duration.ofMinutes(90))).containsExactly("90m");
    assertThat(docForms(1000.0)).containsExactly("1000", "1000.0");
  }

  @Test
  void everyOptionOfTheProvidersOnThisClassPathIsDocumented() {
    List<ConfigOption<?>> options = new java.util.ArrayList<>();
    ServiceLoader.load(ConfigOptionsProvider.class).forEach(p -> options.addAll(p.options()));
    assertDocumented(options);
    assertThat(documentedKeys(readDocs())).isNotEmpty();
  }
}
