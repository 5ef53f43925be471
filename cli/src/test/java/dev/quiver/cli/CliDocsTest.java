package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps docs/cli.md in step with the picocli commands: every command and subcommand has a section
 * ({@code ## `quiver <command> ...`}) and every option of each is named on the page by its long
 * form.
 */
class CliDocsTest {
  /** Options every command takes, documented once in the global options table. */
  private static final Set<String> GLOBAL = Set.of("--config", "--set", "--help", "--version");

  @Test
  void everyCommandAndOptionIsInTheCliPage() throws Exception {
    String page = Files.readString(docs().resolve("cli.md"));
    List<String> missing = new ArrayList<>();
    collect(QuiverCli.commandLine(), "quiver", page, missing);
    assertThat(missing).as("missing from docs/cli.md").isEmpty();
  }

  private static void collect(CommandLine cmd, String path, String page, List<String> missing) {
    for (var e : cmd.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue; // picocli's built-in help command
      }
      String name = path + " " + e.getKey();
      CommandLine sub = e.getValue();
      boolean isGroup = !sub.getSubcommands().isEmpty();
      if (!isGroup && !page.contains("## `" + name)) {
        missing.add("section ## `" + name + " ...`");
      }
      for (OptionSpec o : sub.getCommandSpec().options()) {
        String longName = o.longestName();
        if (GLOBAL.contains(longName) || o.hidden()) {
          continue;
        }
        // --[no-]availability-guard: both forms are named on the page
        if (!page.contains(longName)) {
          missing.add(name + " " + longName);
        }
      }
      collect(sub, name, page, missing);
    }
  }

  static Path docs() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("docs"))) {
      p = p.getParent();
    }
    return p.resolve("docs");
  }
}
