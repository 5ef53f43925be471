package dev.quiver.cli;

import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.spec.SpecProblem;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Prints an {@link ApplyResult} like a diff: one line per object ({@code +} created, {@code ~}
 * updated, {@code =} unchanged) and, under it, one line per field change ({@code +} added, {@code
 * -} removed, {@code ~} changed) with its verdict, then the warnings and a summary.
 */
final class PlanPrinter {
  private final ApplyResult result;
  private final List<SpecProblem> warnings;

  PlanPrinter(ApplyResult result, List<SpecProblem> parseWarnings) {
    this.result = result;
    Set<SpecProblem> all = new LinkedHashSet<>(parseWarnings);
    all.addAll(result.warnings());
    this.warnings = new ArrayList<>(all);
  }

  /** A breaking change that stays under the same major: a real apply refuses it. */
  boolean hasRefusedBreakingChange() {
    return result.changes().stream()
        .filter(c -> "UPDATE".equals(c.action()))
        .flatMap(c -> c.diffs().stream())
        .anyMatch(d -> d.compatibility() == Compatibility.BREAKING);
  }

  void print(PrintWriter out, String origin) {
    out.println(
        (result.dryRun() ? "Plan for " + origin + " (dry run):" : "Applied " + origin + ":"));
    out.println();
    int create = 0;
    int update = 0;
    int major = 0;
    int same = 0;
    for (ChangePlan c : result.changes()) {
      String action = c.action().toUpperCase(Locale.ROOT);
      switch (action) {
        case "CREATE" -> create++;
        case "UPDATE" -> update++;
        case "NEW_MAJOR" -> major++;
        default -> same++;
      }
      out.println(header(c, action));
      for (Change d : c.diffs()) {
        out.printf("      %s %-40s %s%n", symbol(d), d.description(), d.compatibility().name());
      }
    }
    if (result.changes().isEmpty()) {
      out.println("  (no specs found)");
    }
    if (!warnings.isEmpty()) {
      out.println();
      out.println("Warnings:");
      warnings.forEach(w -> out.println("  " + w));
    }
    out.println();
    out.printf(
        "%d to create, %d to update, %d new major, %d unchanged.%n", create, update, major, same);
    if (hasRefusedBreakingChange()) {
      out.println(
          "Breaking changes under an existing major version are refused: set version: v<N+1>"
              + " in the spec to create a new major.");
    }
    if (result.dryRun()) {
      out.println("Dry run: nothing was written. Run without --dry-run to apply.");
    }
    out.flush();
  }

  private static String header(ChangePlan c, String action) {
    String what = c.kind() + " " + c.namespace() + "." + c.name();
    return switch (action) {
      case "CREATE" ->
          "  + " + what + "  (new" + (c.toVersion() == null ? "" : ", " + c.toVersion()) + ")";
      case "UPDATE" -> "  ~ " + what + "  " + orDash(c.fromVersion()) + " -> " + c.toVersion();
      case "NEW_MAJOR" ->
          "  ~ " + what + "  " + orDash(c.fromVersion()) + " -> " + c.toVersion() + " (new major)";
      default ->
          "  = "
              + what
              + "  (unchanged"
              + (c.fromVersion() == null ? "" : ", " + c.fromVersion())
              + ")";
    };
  }

  private static String symbol(Change d) {
    String text = d.description().toLowerCase(Locale.ROOT);
    if (text.startsWith("added")
        || text.startsWith("add ")
        || text.startsWith("new ")
        || text.startsWith("consumes ")) {
      return "+";
    }
    if (text.startsWith("removed")
        || text.startsWith("remove ")
        || text.startsWith("no longer consumes ")) {
      return "-";
    }
    return "~";
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
