package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Garbled specs never crash the parser: every input either parses or fails with a {@link
 * SpecException} that lists its problems. Inputs are seeded random mutations of the examples (and
 * of the PRD JSON body), so a failure reproduces.
 */
class SpecParserFuzzTest {
  private static final String[] TOKENS = {
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "\"",
    "'",
    "-",
    "\n",
    "  ",
    "---",
    "features[",
    "a.b[",
    "[0]",
    "1e999",
    "null",
    "~",
    "&a",
    "*a",
    "!!int",
    "#",
    "%",
    "\t",
    "windows: [",
    "ttl: -1"
  };

  @Test
  void garbledSpecsFailWithSpecExceptionNeverACrash() throws Exception {
    List<String> seeds = new ArrayList<>();
    Path examples = Path.of("..", "examples");
    try (var files = Files.list(examples)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        seeds.add(Files.readString(f));
      }
    }
    seeds.add(
        "{\"name\":\"user_activity_metrics\",\"version\":\"v3\",\"entities\":[\"user\"],"
            + "\"ttl_seconds\":604800,\"features\":[{\"name\":\"user_7d_txn_count\","
            + "\"dtype\":\"INT64\"}],\"owner\":\"a.patel@example.com\"}");
    assertThat(seeds).hasSizeGreaterThan(3);
    Random random = new Random(20261127L);
    int parsed = 0;
    int rejected = 0;
    for (int i = 0; i < 4000; i++) {
      String text = mutate(seeds.get(random.nextInt(seeds.size())), random);
      try {
        SpecParser.parse(text, "fuzz-" + i + ".yaml");
        parsed++;
      } catch (SpecException e) {
        assertThat(e.problems()).as("input %d:%n%s", i, text).isNotEmpty();
        rejected++;
      } catch (RuntimeException e) {
        throw new AssertionError("input " + i + " crashed the parser:\n" + text, e);
      }
    }
    assertThat(rejected).isPositive();
    assertThat(parsed + rejected).isEqualTo(4000);
  }

  @Test
  void aKeyWithABracketIsReportedWithItsLine() {
    String json =
        "{\"name\":\"v\",\"features[\":[{\"name\":\"f\"}],\"entities\":[\"user\"],"
            + "\"ttl_seconds\":10}";
    assertThatThrownBy(() -> SpecParser.parse(json, "<request>"))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("features[");
  }

  private static String mutate(String seed, Random random) {
    StringBuilder sb = new StringBuilder(seed);
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && sb.length() > 0; e++) {
      int at = random.nextInt(sb.length());
      switch (random.nextInt(3)) {
        case 0 -> sb.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
        case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + random.nextInt(12)));
        default -> sb.setCharAt(at, (char) (32 + random.nextInt(95)));
      }
    }
    return sb.toString();
  }
}
