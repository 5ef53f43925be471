package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * A newcomer copies the examples of {@code quiver COMMAND --help} first: each must parse, and the
 * views it names must be views of {@code examples/} (the specs {@code quiver local} applies), so
 * that it runs as printed against the quickstart's registry.
 */
class HelpExamplesTest {

  @Test
  void everyHelpExampleParsesAndNamesAnExampleView() throws IOException {
    Set<String> views = exampleViews();
    Set<String> examples = new LinkedHashSet<>();
    collect(QuiverCli.commandLine(), examples);
    assertThat(examples).as("help texts with a 'quiver ...' example").isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (String example : examples) {
      String[] args = example.substring("quiver ".length()).trim().split("\\s+");
      ParseResult parsed;
      try {
        parsed = QuiverCli.commandLine().parseArgs(args);
      } catch (CommandLine.ParameterException e) {
        problems.add(example + ": " + e.getMessage());
        continue;
      }
      while (parsed.hasSubcommand()) {
        parsed = parsed.subcommand();
      }
      List<String> positionals =
          parsed.matchedPositionals().stream()
              .flatMap(p -> p.originalStringValues().stream())
              .toList();
      for (String positional : positionals) {
        String view = positional.split("[.:]", 2)[0];
        if (!views.contains(view)) {
          problems.add(example + ": '" + view + "' is not a view of examples/ " + views);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  private static void collect(CommandLine cmd, Set<String> examples) {
    for (CommandLine sub : cmd.getSubcommands().values()) {
      // an example is an indented line under "Examples:", or follows "Example: "
      for (String line : sub.getCommandSpec().usageMessage().description()) {
        if (line.startsWith("  quiver ") || line.startsWith("Example: quiver ")) {
          examples.add(line.substring(line.indexOf("quiver ")));
        }
      }
      collect(sub, examples);
    }
  }

  private static Set<String> exampleViews() throws IOException {
    String all;
    try (Stream<Path> files = Files.list(CliTestSupport.examples())) {
      all =
          files
              .filter(p -> p.toString().endsWith(".yaml"))
              .sorted()
              .map(
                  p -> {
                    try {
                      return Files.readString(p);
                    } catch (IOException e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .collect(Collectors.joining("\n---\n"));
    }
    return SpecParser.parse(all, "examples").bundle().views().stream()
        .map(FeatureView::name)
        .collect(Collectors.toSet());
  }
}
