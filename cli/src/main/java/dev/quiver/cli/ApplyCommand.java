package dev.quiver.cli;

import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistrySpecContext;
import dev.quiver.core.spec.SpecParser;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code quiver apply PATH [--dry-run]}. */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Validates the spec files at PATH (a file or a directory, searched recursively for .yaml,"
          + " .yml and .json) and applies them to the registry, printing the plan: + added,"
          + " ~ changed, - removed, each change with its verdict (COMPATIBLE or BREAKING).",
      "Exit codes: 0 applied (or, with --dry-run, would apply), 1 spec errors, 2 usage,"
          + " 3 breaking change refused, 4 conflict with a concurrent change."
    })
final class ApplyCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Parameters(paramLabel = "PATH", description = "A spec file or a directory of spec files.")
  Path path;

  @Option(names = "--dry-run", description = "Print the plan without writing anything.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (!Files.exists(path)) {
      throw new QuiverCli.CliUsageException("PATH: " + path + " (no such file or directory)");
    }
    CliEnvironment env = parent.environment();
    FeatureRegistry registry = env.registry();
    SpecParser.ParseResult parsed = SpecParser.parsePath(path, new RegistrySpecContext(registry));
    List<SpecBundle> waves = ApplyWaves.split(parsed.bundle());
    PrintWriter out = parent.spec.commandLine().getOut();
    boolean refused = false;
    boolean previousChangedNothing = true;
    for (int i = 0; i < waves.size(); i++) {
      if (i > 0) {
        out.println();
      }
      if (dryRun && !previousChangedNothing) {
        // The registry plans against what it holds, and the versions above are not written.
        out.println("Then, once the versions above exist (not planned in a dry run):");
        waves
            .get(i)
            .views()
            .forEach(
                v -> out.println("  ~ feature_view " + v.qualifiedName() + "  -> " + v.version()));
        waves
            .get(i)
            .services()
            .forEach(s -> out.println("  ~ feature_service " + s.namespace() + "." + s.name()));
        continue;
      }
      ApplyResult result = registry.apply(waves.get(i), env.actor(), dryRun);
      PlanPrinter plan = new PlanPrinter(result, i == 0 ? parsed.warnings() : List.of());
      plan.print(out, i == 0 ? path.toString() : path + " (further versions)");
      refused |= dryRun && plan.hasRefusedBreakingChange();
      previousChangedNothing =
          result.changes().stream().allMatch(c -> "UNCHANGED".equalsIgnoreCase(c.action()));
    }
    out.flush();
    return refused ? ExitCode.BREAKING_CHANGE : ExitCode.OK;
  }
}
