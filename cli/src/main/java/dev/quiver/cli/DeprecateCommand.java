package dev.quiver.cli;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.ViewStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code quiver deprecate VIEW:VERSION [--sunset DATE] [--retire]}. */
@Command(
    name = "deprecate",
    mixinStandardHelpOptions = true,
    description = {
      "Moves a view version through its lifecycle: ACTIVE -> DEPRECATED (readers get a warning"
          + " naming the sunset date), and with --retire -> RETIRED (no longer readable).",
      "Exit codes: 0 done, 1 bad date, 2 usage, 4 move not allowed, 5 no such view or version."
    })
final class DeprecateCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Parameters(
      paramLabel = "VIEW:VERSION",
      description = "[namespace.]view:version, e.g. user_activity_metrics:v1 or risk.x:v2.1")
  String ref;

  @Option(names = "--namespace", paramLabel = "NS", description = "Namespace (default: default).")
  String namespace;

  @Option(
      names = "--sunset",
      paramLabel = "DATE",
      description = "When the version will be retired: YYYY-MM-DD (UTC) or an ISO instant.")
  String sunset;

  @Option(names = "--retire", description = "Retire the version now (DEPRECATED -> RETIRED).")
  boolean retire;

  @Override
  public Integer call() {
    ViewRef view = ViewRef.parse(ref, namespace);
    if (view.version() == null) {
      throw new QuiverCli.CliUsageException(
          "VIEW:VERSION: '" + ref + "' names no version; write e.g. " + view.view() + ":v1");
    }
    if (retire && sunset != null) {
      throw new QuiverCli.CliUsageException(
          "--sunset and --retire together: a retired version has no sunset; use one of them");
    }
    Instant sunsetAt = sunset == null ? null : parseDate(sunset);
    try {
      dev.quiver.core.registry.Sunsets.requireFuture("--sunset", sunsetAt, Instant.now());
    } catch (RegistryException e) {
      // a bad option value, as --sunset soon: exit 1
      throw new IllegalArgumentException(e.getMessage().replace("retire it)", "use --retire)"));
    }
    ViewStatus target = retire ? ViewStatus.RETIRED : ViewStatus.DEPRECATED;
    CliEnvironment env = parent.environment();
    ViewRecord r;
    try {
      r =
          env.registry()
              .setStatus(
                  view.namespace(), view.view(), view.version(), target, sunsetAt, env.actor());
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.INVALID && "status".equals(e.field())) {
        // a move the lifecycle does not allow (e.g. RETIRED -> DEPRECATED): exit 4, see ExitCode
        parent.spec.commandLine().getErr().println("error: " + e.getMessage());
        return ExitCode.CONFLICT;
      }
      throw e;
    }
    PrintWriter out = parent.spec.commandLine().getOut();
    out.println(
        r.view().qualifiedName()
            + ":"
            + r.version()
            + " is now "
            + r.view().status()
            + (r.sunsetAt() == null ? "" : " (sunset " + r.sunsetAt() + ")")
            + (target == ViewStatus.DEPRECATED
                ? "; readers get a deprecation warning"
                : "; it can no longer be read"));
    out.flush();
    if (target == ViewStatus.RETIRED) {
      PrintWriter err = parent.spec.commandLine().getErr();
      for (String broken : servicesLeftUnreadable(env.registry(), r)) {
        err.println("warning: " + broken);
      }
      err.flush();
    }
    return ExitCode.OK;
  }

  /**
   * The feature services whose references no longer resolve now that {@code retired} is RETIRED (a
   * reference pinned to its major or revision, or an unpinned one to a view left with no readable
   * version): every lookup and export of such a service is a 410 GONE until it is re-pinned and
   * applied again. One text per reference, naming the service and the fix.
   */
  static List<String> servicesLeftUnreadable(FeatureRegistry registry, ViewRecord retired) {
    String ns = retired.view().namespace();
    String view = retired.view().name();
    List<String> out = new ArrayList<>();
    for (FeatureService service : registry.listServices(ns)) {
      for (FeatureRef ref : service.features()) {
        if (!view.equals(ref.view())) {
          continue;
        }
        try {
          registry.viewForRead(ns, view, ref.version());
        } catch (RegistryException e) {
          out.add(
              "feature service "
                  + ns
                  + "."
                  + service.name()
                  + " reads "
                  + ref
                  + ": "
                  + e.getMessage()
                  + ", so its lookups and exports now fail (410 GONE); re-pin the reference in"
                  + " its spec and apply it again");
        }
      }
    }
    return out;
  }

  static Instant parseDate(String text) {
    try {
      return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            "--sunset: '" + text + "' (expected: a date YYYY-MM-DD or an ISO instant)");
      }
    }
  }
}
