package dev.quiver.cli;

import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.spec.Durations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code quiver export}: a point-in-time training set (or a retrieval without labels). */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Builds a point-in-time training set as Parquet, with a manifest for rebuilding it.",
      "Examples:",
      "  quiver export user_activity.user_txn_count_7d merchant_risk.* --labels labels.csv"
          + " --timestamp-column ts --output out/",
      "  quiver export user_activity.* --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z"
          + " --step 1h --output out/",
      "  quiver export --feature-service fraud_model --labels labels.csv --output out/",
      "  quiver export --manifest out/_manifest.json --output rebuilt/"
    })
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "FEATURE",
      description = "Features: view.feature, view:v3.feature or view.*")
  List<String> features = new ArrayList<>();

  @Option(
      names = "--feature-service",
      paramLabel = "NAME",
      description = "Export the features of this feature service (instead of listing them)")
  String featureService;

  @Option(
      names = "--labels",
      paramLabel = "SRC",
      description = "Label rows: Parquet/CSV path or Iceberg table")
  String labels;

  @Option(
      names = "--timestamp-column",
      paramLabel = "COLUMN",
      description = "The labels' time column (default: timestamp)")
  String timestampColumn;

  @Option(
      names = "--times",
      paramLabel = "TIME",
      split = ",",
      description =
          "Reference times (ISO-8601; a date alone or a zone-less time is UTC),"
              + " comma-separated")
  List<String> times = new ArrayList<>();

  @Option(
      names = "--from",
      paramLabel = "TIME",
      description = "Range start, ISO-8601 (a date alone: its start, UTC)")
  String from;

  @Option(names = "--to", paramLabel = "TIME", description = "Range end (inclusive), ISO-8601")
  String to;

  @Option(names = "--step", paramLabel = "STEP", description = "Range step: 15m, 1h, 1d")
  String step;

  /**
   * Text, not a Path: a Path turns {@code s3://b/x} into {@code s3:/b/x} before core refuses it.
   */
  @Option(
      names = "--output",
      paramLabel = "DIR",
      required = true,
      description = "Output directory (local)")
  String output;

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description = "Rebuild the export this manifest describes")
  String manifest;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      description = "Registry namespace (default: default)")
  String namespace;

  /**
   * Named by its positive form: picocli gives a negatable option named {@code --no-x} the value
   * true, so {@code --no-availability-guard} used to switch the guard on.
   */
  @Option(
      names = "--availability-guard",
      negatable = true,
      description =
          "--no-availability-guard: also use events written after t (a backfill, late data);"
              + " --availability-guard: only events with _ingested_at <= t (default: the"
              + " configured offline.availability-guard, on)")
  Boolean guard;

  @Mixin JobPlacement placement;

  @ParentCommand QuiverCli parent;

  @Override
  public Integer call() throws Exception {
    List<String> given = new ArrayList<>();
    if (labels != null) {
      given.add("--labels");
    }
    if (!times.isEmpty()) {
      given.add("--times");
    }
    if (from != null || to != null || step != null) {
      given.add("--from/--to/--step");
    }
    if (manifest != null) {
      given.add("--manifest");
    }
    if (given.size() != 1) {
      // checked here so that the message names this command's options (core names its fields)
      throw new IllegalArgumentException(
          (given.isEmpty() ? "input: missing" : "input: ambiguous")
              + " (expected exactly one of --labels, --times, --from/--to/--step or --manifest"
              + (given.isEmpty() ? "" : "; got " + String.join(" and ", given))
              + ")");
    }
    List<String> missing = new ArrayList<>();
    if (from == null) {
      missing.add("--from");
    }
    if (to == null) {
      missing.add("--to");
    }
    if (step == null) {
      missing.add("--step");
    }
    if (!missing.isEmpty() && missing.size() < 3) {
      // named by this command's options (core's message says from/to/step)
      throw new IllegalArgumentException(
          "--from/--to/--step: all three are needed for a time range (missing "
              + String.join(" and ", missing)
              + ")");
    }
    Instant start = OfflineCommands.time("--from", from);
    Instant end = OfflineCommands.time("--to", to);
    // named by this command's options (core's message says from/to)
    dev.quiver.core.offline.OfflineTimes.checkRange("--from", start, "--to", end, true);
    List<Instant> ts = new ArrayList<>();
    for (String t : times) {
      ts.add(OfflineCommands.time("--times", t));
    }
    ExportRequest req =
        new ExportRequest(
            namespace,
            features,
            labels,
            timestampColumn,
            ts,
            start,
            end,
            step == null
                ? null
                : Durations.parse(step)
                    .orElseThrow(
                        () ->
                            new IllegalArgumentException(
                                "--step: '" + step + "' (expected: a duration such as 15m or 1h)")),
            output,
            "parquet",
            manifest,
            guard,
            featureService);
    return OfflineCommands.submitAndFollow(
        parent,
        spec,
        "export",
        "export job",
        OfflineCommands.server(parent, placement, "export", spec.commandLine().getOut()),
        service -> service.submitExport(req),
        (out, s) -> {
          Object parts = s.details().get("data_files");
          out.println(
              wrote(
                  s.details().get("output"),
                  s.rows(),
                  parts instanceof java.util.List<?> l ? l.size() : 1));
          out.println("manifest " + s.details().get("manifest"));
          Object matches = s.details().get("matches_manifest");
          if (matches != null) {
            out.println(
                Boolean.TRUE.equals(matches)
                    ? "rebuilt: every part's pages equal the original export's (dataChecksum)"
                    : "rebuilt: the pages differ from the original export's; compare the rows"
                        + " (a different offline.parallelism spreads the same rows over other"
                        + " parts)");
          }
        });
  }

  /** {@code wrote out/x (550 rows in 2 Parquet parts)}; one row or part in the singular. */
  static String wrote(Object output, long rows, int parts) {
    return "wrote "
        + output
        + " ("
        + rows
        + (rows == 1 ? " row" : " rows")
        + " in "
        + parts
        + (parts == 1 ? " Parquet part)" : " Parquet parts)");
  }
}
