package dev.quiver.cli;

import dev.quiver.core.offline.BackfillRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code quiver backfill VIEW --from --to [--dry-run] [--online]}. */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = {
      "Recomputes a view over history in Flink batch mode into a new, tagged Iceberg snapshot.",
      "Example: quiver backfill user_activity --from 2024-05-01T00:00:00Z --to 2024-06-01T00:00:00Z"
          + " --dry-run"
    })
public final class BackfillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ViewRefArgs target;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      required = true,
      description = "First event time included, ISO-8601 (a date alone: its start, UTC)")
  String from;

  @Option(
      names = "--to",
      paramLabel = "TIME",
      required = true,
      description = "First event time excluded, ISO-8601")
  String to;

  @Option(
      names = "--dry-run",
      description =
          "Only print the history records to read, the rows to append, bytes, partitions and"
              + " the estimated time")
  boolean dryRun;

  @Option(names = "--online", description = "Also upsert the online store (throttled)")
  boolean online;

  @Option(
      names = "--source",
      paramLabel = "SRC",
      description =
          "History to read instead of the view's source: a Parquet path, an Iceberg table"
              + " ns.table, kafka (the topic's retained offsets) or kafka:0:100-200,1:0-50"
              + " (partition:from-to offset ranges, end excluded)")
  String source;

  @Mixin JobPlacement placement;

  @ParentCommand QuiverCli parent;

  @Override
  public Integer call() throws Exception {
    ViewRef view = target.parse();
    String server =
        OfflineCommands.server(parent, placement, "backfill", spec.commandLine().getOut());
    if (online && !dryRun && server == null) {
      requireEmbeddedStoreFree(OfflineCommands.config(parent));
    }
    java.time.Instant start = OfflineCommands.time("--from", from);
    java.time.Instant end = OfflineCommands.time("--to", to);
    // named by this command's options (core's message says from/to)
    dev.quiver.core.offline.OfflineTimes.checkRange("--from", start, "--to", end, false);
    BackfillRequest req =
        new BackfillRequest(
            view.namespace(),
            view.view(),
            view.version(),
            start,
            end,
            dryRun,
            online,
            source,
            System.getProperty("user.name"));
    return OfflineCommands.submitAndFollow(
        parent,
        spec,
        "backfill",
        dryRun ? "backfill dry run" : "backfill job",
        server,
        service -> service.submitBackfill(req),
        (out, s) -> {
          s.details().entrySet().stream()
              // the SQL follows below; warnings are printed as "warning: ..." by submitAndFollow
              .filter(e -> !e.getKey().equals("sql") && !e.getKey().equals("warnings"))
              .sorted(java.util.Map.Entry.comparingByKey())
              .forEach(e -> out.println(String.format("%-18s %s", e.getKey(), e.getValue())));
          if (s.details().get("sql") != null) {
            out.println();
            out.println("SQL (the statements of 'quiver plan', run in batch mode):");
            out.println(s.details().get("sql"));
          }
        });
  }

  /**
   * Refuses {@code --online} while another process (a running {@code quiver local} or {@code quiver
   * serve}) holds the embedded online store: RocksDB opens a store in one process only, so the
   * backfill ran its whole batch job and then failed with "While lock file: .../LOCK: Resource
   * temporarily unavailable" and a stack trace. The server that holds the store can run the
   * backfill itself ({@code POST /v1/backfill} with {@code "online": true}). Checked with {@link
   * dev.quiver.core.io.FileLocks#isHeld}; this process holds no store yet.
   */
  static void requireEmbeddedStoreFree(dev.quiver.core.config.QuiverConfig config)
      throws java.io.IOException {
    String path = heldEmbeddedStore(config);
    if (path == null) {
      return;
    }
    throw new IllegalArgumentException(
        "--online: the embedded online store at "
            + path
            + " is in use by another process (a running quiver local or quiver serve); RocksDB"
            + " opens a store in one process only. Let that server run the backfill, which writes"
            + " its own store: add --server http://<its host:port> (quiver local: "
            + "http://127.0.0.1:8080), or POST /v1/backfill with \"online\": true"
            + " (docs/backfills.md), or stop it first");
  }

  /**
   * The path of the configured embedded online store when another process holds it (its RocksDB
   * {@code LOCK} file is locked), else null: an HBase store, no store yet, or a free one.
   */
  static String heldEmbeddedStore(dev.quiver.core.config.QuiverConfig config)
      throws java.io.IOException {
    java.util.Map<String, String> m = config.asMap();
    String path = m.get("online.embedded.path");
    if (!"embedded".equals(m.getOrDefault("online.type", "embedded")) || path == null) {
      return null;
    }
    java.nio.file.Path lock = java.nio.file.Path.of(path).resolve("LOCK");
    if (!java.nio.file.Files.isRegularFile(lock) || !dev.quiver.core.io.FileLocks.isHeld(lock)) {
      return null;
    }
    return path;
  }
}
