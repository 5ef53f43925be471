package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.SnapshotExpiry;
import dev.quiver.core.spec.Durations;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import dev.quiver.offline.SnapshotRetention;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code quiver snapshots expire [VIEW] [--older-than 7d] [--retain-last N] [--dry-run]}. */
@Command(
    name = "snapshots",
    mixinStandardHelpOptions = true,
    description = {
      "Manages the Iceberg snapshots of the offline tables (quiver snapshots expire)."
    },
    subcommands = {SnapshotsCommand.Expire.class})
final class SnapshotsCommand implements Runnable {
  @ParentCommand QuiverCli parent;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: expire");
  }

  @Command(
      name = "expire",
      mixinStandardHelpOptions = true,
      description = {
        "Expires the offline tables' snapshots older than --older-than, keeping the newest"
            + " --retain-last of each table and every tagged (backfill) snapshot.",
        "quiver serve and quiver local do this every offline.snapshots.expire-interval; this runs"
            + " it now, on the warehouse of quiver.data-dir (or offline.*), in the quiver local"
            + " running on it if any (or the --server given).",
        "Example: quiver snapshots expire user_activity --older-than 2d --dry-run"
      })
  static final class Expire implements Callable<Integer> {
    @ParentCommand SnapshotsCommand snapshots;

    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "VIEW",
        description = "Only this view's tables (name or namespace.name); default: every view")
    String view;

    @Option(
        names = "--older-than",
        paramLabel = "AGE",
        description =
            "Expire snapshots older than this, e.g. 12h, 7d (default: offline.snapshots.max-age,"
                + " 7d)")
    String olderThan;

    @Option(
        names = "--retain-last",
        paramLabel = "N",
        description =
            "Keep the newest N snapshots of each table whatever their age (default:"
                + " offline.snapshots.retain-last, 100)")
    Integer retainLast;

    @Option(names = "--dry-run", description = "Only count what would be expired")
    boolean dryRun;

    @Mixin JobPlacement placement;

    @Override
    public Integer call() throws Exception {
      QuiverConfig config = OfflineCommands.config(snapshots.parent);
      Duration age =
          olderThan == null
              ? config.get(OfflineOptions.SNAPSHOTS_MAX_AGE)
              : Durations.parse(olderThan)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "--older-than: '"
                                  + olderThan
                                  + "' (expected: a duration such as 30m, 12h or 7d)"));
      int keep = retainLast == null ? config.get(OfflineOptions.SNAPSHOTS_RETAIN_LAST) : retainLast;
      if (keep < 1) {
        throw new IllegalArgumentException(
            "--retain-last: " + keep + " (expected: the number of newest snapshots kept, >= 1)");
      }
      PrintWriter out = snapshots.spec.commandLine().getOut();
      PrintWriter err = snapshots.spec.commandLine().getErr();
      // a quiver local running on this data directory (or --server) holds the warehouse: it
      // expires there, in the one process that commits to its tables
      String target = OfflineCommands.server(snapshots.parent, placement, "snapshot expiry", out);
      SnapshotExpiry done;
      if (target != null) {
        try (HttpOfflineService service =
            new HttpOfflineService(target, System.getenv("QUIVER_TOKEN"))) {
          // the server's offline.snapshots.* are the defaults there
          done =
              service.expireSnapshots(
                  view, olderThan == null ? null : age, retainLast == null ? null : keep, dryRun);
        }
      } else {
        org.apache.iceberg.catalog.Catalog catalog = OfflineCatalogs.open(config);
        try {
          done = SnapshotRetention.expireOlderThan(catalog, view, age, keep, dryRun);
        } finally {
          if (catalog instanceof AutoCloseable c) {
            c.close();
          }
        }
      }
      List<SnapshotExpiry.Table> outcomes = done.tables();
      Instant cutoff = done.cutoff();
      age = done.olderThan();
      keep = done.retainLast();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"TABLE", "VIEW", dryRun ? "WOULD EXPIRE" : "EXPIRED", "REMAINING"});
      int total = 0;
      int failed = 0;
      for (SnapshotExpiry.Table o : outcomes) {
        if (o.error() != null) {
          failed++;
          err.println("error: " + o.table() + ": " + o.error());
          continue;
        }
        total += o.expired();
        rows.add(
            new String[] {
              o.table(), o.view(), Integer.toString(o.expired()), Integer.toString(o.remaining())
            });
      }
      if (rows.size() > 1) {
        Table.print(out, rows);
      }
      out.println(
          (dryRun ? "would expire " : "expired ")
              + total
              + (total == 1 ? " snapshot" : " snapshots")
              + " older than "
              + cutoff
              + " ("
              + Durations.format(age)
              + ") in "
              + (rows.size() - 1)
              + (rows.size() == 2 ? " table" : " tables")
              + ", keeping the newest "
              + keep
              + " of each and every tagged snapshot"
              + (dryRun ? "; nothing was changed" : ""));
      return failed == 0 ? ExitCode.OK : ExitCode.FAILURE;
    }
  }
}
