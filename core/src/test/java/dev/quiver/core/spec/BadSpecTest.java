package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One bad spec per file under {@code bad-specs/}. Each file states what it expects: the message and
 * the fix in its two header comments, and the field path on the line where the error must be
 * reported ({@code # <- features[1].dtype}).
 */
class BadSpecTest {
  static final Path DIR = Path.of("src/test/resources/bad-specs");

  record Case(String file, String text, String path, int line, String message, String hint) {
    @Override
    public String toString() {
      return file;
    }
  }

  static Stream<Case> cases() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.sorted().map(BadSpecTest::load).toList().stream();
    }
  }

  static Case load(Path p) {
    try {
      String text = Files.readString(p);
      List<String> lines = text.lines().toList();
      String message = lines.get(0).substring("# message: ".length());
      String hint = lines.get(1).substring("# hint: ".length());
      for (int i = 0; i < lines.size(); i++) {
        int at = lines.get(i).indexOf("# <- ");
        if (at >= 0) {
          return new Case(
              p.getFileName().toString(),
              text,
              lines.get(i).substring(at + 5).trim(),
              i + 1,
              message,
              hint);
        }
      }
      throw new IllegalStateException(p + " has no '# <- path' marker");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void reportsPathLineMessageAndFix(Case c) {
    SpecException e =
        catchThrowableOfType(SpecException.class, () -> SpecParser.parse(c.text(), c.file()));
    assertThat(e).as("%s must be rejected", c.file()).isNotNull();
    List<SpecProblem> errors = e.problems().stream().filter(SpecProblem::isError).toList();
    assertThat(errors)
        .as(e.getMessage())
        .anySatisfy(
            p -> {
              assertThat(p.file()).isEqualTo(c.file());
              assertThat(p.path()).isEqualTo(c.path());
              assertThat(p.line()).isEqualTo(c.line());
              assertThat(p.message()).contains(c.message());
              assertThat(p.hint()).contains(c.hint());
            });
    assertThat(e.getMessage()).contains(c.file() + ":" + c.line() + ": error: ");
  }

  /** A renamed aggregation computes what it did: no expr (one was suggested, from its name). */
  @Test
  void theRenameOfAnAggregationSuggestsNoExpr() {
    Case c = load(DIR.resolve("aggregation_named_join_key.yaml"));
    SpecException e =
        catchThrowableOfType(SpecException.class, () -> SpecParser.parse(c.text(), c.file()));
    assertThat(e.problems())
        .filteredOn(p -> p.path().equals(c.path()))
        .singleElement()
        .satisfies(p -> assertThat(p.hint()).isEqualTo(c.hint()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void reportsEachCauseOnce(Case c) {
    SpecException e =
        catchThrowableOfType(SpecException.class, () -> SpecParser.parse(c.text(), c.file()));
    assertThat(e.problems().stream().filter(p -> p.isError() && p.path().equals(c.path())))
        .as(e.getMessage())
        .hasSize(1);
  }

  @Test
  void everyFileOfADirectoryIsReportedInOneGo() throws IOException {
    List<Case> all = cases().toList();
    List<SpecParser.SpecFile> files =
        all.stream().map(c -> new SpecParser.SpecFile(c.file(), c.text())).toList();
    SpecException e =
        catchThrowableOfType(
            SpecException.class, () -> SpecParser.parse(files, SpecParser.Context.EMPTY));
    for (Case c : all) {
      assertThat(e.problems())
          .as(c.file())
          .anyMatch(
              p -> p.file().equals(c.file()) && p.path().equals(c.path()) && p.line() == c.line());
    }
  }
}
