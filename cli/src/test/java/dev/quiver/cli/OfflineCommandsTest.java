package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The export/backfill commands against an in-memory offline service (unit test). */
class OfflineCommandsTest {
  final List<Object> submitted = new ArrayList<>();

  /** A job that advances 25% per status call. */
  final class FakeService implements OfflineService {
    int calls;
    String failure; // non-null: the job fails with this error

    @Override
    public String submitExport(ExportRequest request) {
      submitted.add(request);
      return "job-1";
    }

    @Override
    public String submitBackfill(BackfillRequest request) {
      submitted.add(request);
      return "job-2";
    }

    @Override
    public JobStatus status(String jobId) {
      calls++;
      if (failure != null) {
        return new JobStatus(
            jobId,
            "backfill",
            JobStatus.State.FAILED,
            0.0,
            0L,
            null,
            failure,
            Instant.EPOCH,
            null,
            Map.of());
      }
      double p = Math.min(1.0, calls * 0.25);
      return new JobStatus(
          jobId,
          "export",
          p >= 1.0 ? JobStatus.State.SUCCEEDED : JobStatus.State.RUNNING,
          p,
          calls * 100L,
          "out",
          null,
          Instant.EPOCH,
          null,
          details());
    }

    /** An export's details; a rebuild (a request with a manifest) says whether it matched. */
    private Map<String, Object> details() {
      Map<String, Object> d = new java.util.LinkedHashMap<>();
      d.put("output", "out");
      d.put("data_files", List.of("out/part-00000.parquet", "out/part-00001.parquet"));
      d.put("manifest", "out/_manifest.json");
      d.put("rows", 400L);
      if (!submitted.isEmpty()
          && submitted.get(submitted.size() - 1) instanceof ExportRequest r
          && r.manifest() != null) {
        d.put("matches_manifest", r.manifest().startsWith("same"));
      }
      if (!submitted.isEmpty() && submitted.get(submitted.size() - 1) instanceof BackfillRequest) {
        d.put("warnings", List.of("the range ends at 2024-05-02T00:00:00Z, after ..."));
      }
      return d;
    }

    @Override
    public List<JobStatus> jobs() {
      return List.of();
    }

    @Override
    public void close() {}
  }

  @AfterEach
  void reset() {
    OfflineCommands.services = FlinkOfflineServices::new; // the launcher's default
  }

  private String run(Object command, String... args) {
    return run(null, command, args);
  }

  private String run(String failure, Object command, String... args) {
    OfflineCommands.services =
        c -> {
          FakeService f = new FakeService();
          f.failure = failure;
          return f;
        };
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return code + "\n" + out + err;
  }

  @Test
  void exportSummarySaysOneRowAndOnePartInTheSingular() {
    // was "wrote out (3 rows in 1 Parquet parts)"
    assertThat(ExportCommand.wrote("out", 3, 1)).isEqualTo("wrote out (3 rows in 1 Parquet part)");
    assertThat(ExportCommand.wrote("out", 1, 1)).isEqualTo("wrote out (1 row in 1 Parquet part)");
    assertThat(ExportCommand.wrote("out", 0, 1)).isEqualTo("wrote out (0 rows in 1 Parquet part)");
    assertThat(ExportCommand.wrote("out", 550, 2))
        .isEqualTo("wrote out (550 rows in 2 Parquet parts)");
  }

  @Test
  void exportSubmitsAndDrawsProgress() {
    String out =
        run(
            new ExportCommand(),
            "user_profile.*",
            "--from",
            "2024-05-01T00:00:00Z",
            "--to",
            "2024-05-02T00:00:00Z",
            "--step",
            "1h",
            "--output",
            "out");
    assertThat(out)
        .startsWith("0\n")
        .contains("export job job-1")
        .contains("[###############")
        .contains("100%")
        .contains("wrote out (400 rows in 2 Parquet parts)");
    ExportRequest req = (ExportRequest) submitted.get(0);
    assertThat(req.features()).containsExactly("user_profile.*");
    assertThat(req.step()).hasHours(1);
  }

  /**
   * --times, --from and --to take times as CSV label files give them: a date alone is its start in
   * UTC, a time without a zone is UTC (QA pass, session 12: only a full instant was accepted).
   */
  @Test
  void aDateAloneOrAZoneLessTimeIsReadAsUtc() {
    assertThat(
            run(
                new ExportCommand(),
                "v.f",
                "--times",
                "2024-05-01,2024-05-01T12:30,2024-05-01T12:30:00+01",
                "--output",
                "o"))
        .startsWith("0\n");
    assertThat(((ExportRequest) submitted.get(0)).times())
        .containsExactly(
            Instant.parse("2024-05-01T00:00:00Z"),
            Instant.parse("2024-05-01T12:30:00Z"),
            Instant.parse("2024-05-01T11:30:00Z"));
    assertThat(run(new BackfillCommand(), "v", "--from", "2024-05-01", "--to", "2024-05-02T06:00"))
        .startsWith("0\n");
    BackfillRequest req = (BackfillRequest) submitted.get(1);
    assertThat(req.from()).isEqualTo(Instant.parse("2024-05-01T00:00:00Z"));
    assertThat(req.to()).isEqualTo(Instant.parse("2024-05-02T06:00:00Z"));
    assertThat(run(new ExportCommand(), "v.f", "--times", "1714521600000", "--output", "o"))
        .contains("--times: '1714521600000' (expected: an ISO-8601 time");
  }

  @Test
  void withoutATerminalProgressIsOneLinePerChangeWithoutCarriageReturns() throws Exception {
    StringWriter log = new StringWriter();
    JobStatus last =
        OfflineCommands.follow(new FakeService(), "job-1", new PrintWriter(log), 1, false);
    assertThat(last.state()).isEqualTo(JobStatus.State.SUCCEEDED);
    assertThat(log.toString()).doesNotContain("\r");
    assertThat(log.toString().lines())
        .containsExactly(
            "[########                      ]  25%  100 rows  RUNNING",
            "[###############               ]  50%  200 rows  RUNNING",
            "[#######################       ]  75%  300 rows  RUNNING",
            "[##############################] 100%  400 rows  SUCCEEDED");
    StringWriter tty = new StringWriter();
    OfflineCommands.follow(new FakeService(), "job-1", new PrintWriter(tty), 1, true);
    assertThat(tty.toString()).startsWith("\r[########").contains("\r[###############");
  }

  @Test
  void aRebuildSaysWhetherItsPagesMatchTheManifest() {
    assertThat(run(new ExportCommand(), "--manifest", "same/_manifest.json", "--output", "r"))
        .startsWith("0\n")
        .contains("rebuilt: every part's pages equal the original export's");
    assertThat(run(new ExportCommand(), "--manifest", "other/_manifest.json", "--output", "r"))
        .contains("rebuilt: the pages differ from the original export's");
    assertThat(run(new ExportCommand(), "v.f", "--times", "2024-05-01T00:00:00Z", "--output", "o"))
        .doesNotContain("rebuilt:");
  }

  @Test
  void theAvailabilityGuardOptionSaysWhatItDoes() {
    // --no-availability-guard switched the guard on and --availability-guard switched it off
    // (picocli's negatable option was named by its negative form)
    String[] base = {"v.f", "--times", "2024-05-01T00:00:00Z", "--output", "o"};
    run(new ExportCommand(), base);
    assertThat(((ExportRequest) submitted.get(0)).availabilityGuard()).isNull();
    run(new ExportCommand(), append(base, "--no-availability-guard"));
    assertThat(((ExportRequest) submitted.get(1)).availabilityGuard()).isFalse();
    run(new ExportCommand(), append(base, "--availability-guard"));
    assertThat(((ExportRequest) submitted.get(2)).availabilityGuard()).isTrue();
  }

  private static String[] append(String[] args, String arg) {
    String[] out = java.util.Arrays.copyOf(args, args.length + 1);
    out[args.length] = arg;
    return out;
  }

  @Test
  void theStoresFollowTheDataDirectory() {
    List<dev.quiver.core.config.QuiverConfig> seen = new ArrayList<>();
    OfflineCommands.services =
        c -> {
          seen.add(c);
          return new FakeService();
        };
    CommandLine cl = new CommandLine(new QuiverCli());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code =
        cl.execute(
            "--set",
            "quiver.data-dir=/tmp/qdata",
            "export",
            "v.f",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            "o");
    assertThat(code).isZero();
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).asMap())
        .containsEntry(
            "offline.warehouse", java.nio.file.Path.of("/tmp/qdata/warehouse").toString())
        .containsEntry(
            "online.embedded.path", java.nio.file.Path.of("/tmp/qdata/online").toString());
  }

  @Test
  void theLauncherHasBothCommands() {
    assertThat(new CommandLine(new QuiverCli()).getSubcommands())
        .containsKeys("export", "backfill");
  }

  @Test
  void badInputIsNamed() {
    assertThat(run(new ExportCommand(), "v.f", "--times", "yesterday", "--output", "o"))
        .contains("--times: 'yesterday' (expected: an ISO-8601 time");
    assertThat(run(new ExportCommand(), "v.f", "--output", "o"))
        .contains(
            "input: missing (expected exactly one of --labels, --times, --from/--to/--step or"
                + " --manifest)");
    assertThat(
            run(
                new ExportCommand(),
                "v.f",
                "--labels",
                "l.csv",
                "--times",
                "2024-05-01T00:00:00Z",
                "--output",
                "o"))
        .contains("input: ambiguous")
        .contains("got --labels and --times");
    assertThat(
            run(
                new BackfillCommand(),
                "v",
                "--from",
                "2024-05-02T00:00:00Z",
                "--to",
                "2024-05-01T00:00:00Z"))
        .contains(
            "--to: 2024-05-01T00:00:00Z (expected: after --from 2024-05-02T00:00:00Z; swap them)");
    // an export's range names the options too (QA pass, session 12: "to: ... after from ...")
    assertThat(
            run(
                new ExportCommand(),
                "v.f",
                "--from",
                "2024-05-02T00:00:00Z",
                "--to",
                "2024-05-01T00:00:00Z",
                "--step",
                "1h",
                "--output",
                "o"))
        .contains(
            "--to: 2024-05-01T00:00:00Z (expected: at or after --from 2024-05-02T00:00:00Z;"
                + " swap them)");
    assertThat(run(new ExportCommand(), "v.f", "--from", "2024-05-02T00:00:00Z", "--output", "o"))
        .contains(
            "--from/--to/--step: all three are needed for a time range (missing --to and --step)");
  }

  /**
   * A feature service stands in for the features; an object-store output is refused as typed
   * (review, session 17: picocli's Path turned s3://bucket/x into s3:/bucket/x in the message).
   */
  @Test
  void exportTakesAFeatureServiceAndRefusesAnObjectStoreOutputAsTyped() {
    String out =
        run(
            new ExportCommand(),
            "--feature-service",
            "fraud_model",
            "--labels",
            "labels.csv",
            "--output",
            "out");
    assertThat(out).startsWith("0\n");
    ExportRequest req = (ExportRequest) submitted.get(0);
    assertThat(req.featureService()).isEqualTo("fraud_model");
    assertThat(req.features()).isEmpty();
    assertThat(run(new ExportCommand(), "v.f", "--times", "2024-05-01", "--output", "s3://b/x"))
        .startsWith("1\n")
        .contains("output: 's3://b/x' is a URI of scheme 's3'");
  }

  @Test
  void backfillPrintsTheDryRunFigures() {
    String out =
        run(
            new BackfillCommand(),
            "user_txn:v2",
            "--from",
            "2024-05-01T00:00:00Z",
            "--to",
            "2024-05-02T00:00:00Z",
            "--dry-run");
    assertThat(out).startsWith("0\n").contains("backfill dry run job-2").contains("rows");
    // a warning is printed once, as "warning: ...", not again among the figures (before: it was
    // also a "warnings [...]" line)
    assertThat(out)
        .containsOnlyOnce("the range ends at")
        .contains("warning: the range ends at 2024-05-02T00:00:00Z");
    BackfillRequest req = (BackfillRequest) submitted.get(0);
    assertThat(req.view()).isEqualTo("user_txn");
    assertThat(req.version()).isEqualTo("v2");
    assertThat(req.dryRun()).isTrue();
  }

  @Test
  void aFailedJobIsOneMessageWithItsPrefixOnce() {
    String[] args = {
      "user_txn:v2", "--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z"
    };
    // FlinkBatch.unwrap's error already names the job: it was "backfill failed: backfill failed:"
    String out =
        run("backfill failed: java.lang.IllegalStateException: boom", new BackfillCommand(), args);
    assertThat(out)
        .startsWith("1\n")
        .contains("\nbackfill failed: java.lang.IllegalStateException: boom\n")
        .doesNotContain("backfill failed: backfill failed");
    assertThat(run("no such column x", new BackfillCommand(), args))
        .startsWith("1\n")
        .contains("\nbackfill failed: no such column x\n");
  }
}
