package dev.quiver.cli;

import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code quiver backfill VIEW --from --to [--dry-run] [--online]}. */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = {
      "Recomputes a view over history in Flink batch mode into a new, tagged Iceberg snapshot.",
      "Example: quiver backfill user_txn --from 2024-05-01T00:00:00Z --to 2024-06-01T00:00:00Z"
          + " --dry-run"
    })
public final class BackfillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "VIEW or VIEW:VERSION")
  String view;

  @Option(names = "--from", required = true, description = "First event time included, ISO-8601")
  String from;

  @Option(names = "--to", required = true, description = "First event time excluded, ISO-8601")
  String to;

  @Option(names = "--dry-run", description = "Only print rows, bytes, partitions, estimated time")
  boolean dryRun;

  @Option(names = "--online", description = "Also upsert the online store (throttled)")
  boolean online;

  @Option(names = "--source", description = "History to read: Parquet path or Iceberg table")
  String source;

  @Option(names = "--namespace", description = "Registry namespace (default: default)")
  String namespace;

  @ParentCommand QuiverCli parent;

  @Override
  public Integer call() throws Exception {
    String name = view;
    String version = null;
    int colon = view.indexOf(':');
    if (colon > 0) {
      name = view.substring(0, colon);
      version = view.substring(colon + 1);
    }
    BackfillRequest req =
        new BackfillRequest(
            namespace,
            name,
            version,
            OfflineCommands.time("--from", from),
            OfflineCommands.time("--to", to),
            dryRun,
            online,
            source,
            System.getProperty("user.name"));
    try (OfflineService service = OfflineCommands.services.apply(OfflineCommands.config(parent))) {
      var out = spec.commandLine().getOut();
      String id = service.submitBackfill(req);
      out.println((dryRun ? "backfill dry run " : "backfill job ") + id);
      JobStatus s = OfflineCommands.follow(service, id, out, 500);
      if (s.state() == JobStatus.State.FAILED) {
        spec.commandLine().getErr().println("backfill failed: " + s.error());
        return 1;
      }
      for (Map.Entry<String, Object> e : s.details().entrySet()) {
        out.println(String.format("%-18s %s", e.getKey(), e.getValue()));
      }
      return 0;
    }
  }
}
