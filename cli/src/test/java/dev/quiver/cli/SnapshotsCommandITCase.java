package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import java.time.Instant;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/** {@code quiver snapshots expire} on the warehouse of the data directory. */
class SnapshotsCommandITCase extends CliTestSupport {

  /** A Quiver-layout table of view default.clicks_agg with {@code n} one-row snapshots. */
  private Table tableWithSnapshots(int n) throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir.resolve("data").resolve("warehouse"));
    Schema schema =
        new Schema(
            Types.NestedField.required(1, "user_id", Types.StringType.get()),
            Types.NestedField.required(2, "event_time", Types.TimestampType.withZone()),
            Types.NestedField.required(3, "_seq", Types.LongType.get()),
            Types.NestedField.required(4, "_ingested_at", Types.TimestampType.withZone()));
    ((org.apache.iceberg.catalog.SupportsNamespaces) catalog)
        .createNamespace(org.apache.iceberg.catalog.Namespace.of("default"));
    Table t =
        catalog
            .buildTable(TableIdentifier.of("default", "clicks_agg_v1"), schema)
            .withProperty(OfflineTables.VIEW_PROPERTY, "default.clicks_agg:v1.0")
            .create();
    for (int i = 0; i < n; i++) {
      OfflineWriter w = new OfflineWriter(t);
      w.add(
          w.record(
              Map.of(
                  "user_id",
                  "u" + i,
                  "event_time",
                  1_700_000_000_000L + i,
                  "_seq",
                  (long) i,
                  "_ingested_at",
                  Instant.now())));
      w.commit(Map.of());
    }
    t.refresh();
    return t;
  }

  @Test
  void expiresOldSnapshotsOfTheDataDirsTablesAndSaysWhat() throws Exception {
    Table t = tableWithSnapshots(5);
    Thread.sleep(1_100);

    Run dry =
        run(
            "snapshots",
            "expire",
            "clicks_agg",
            "--older-than",
            "1s",
            "--retain-last",
            "2",
            "--dry-run");
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.out())
        .containsPattern("TABLE\\s+VIEW\\s+WOULD EXPIRE\\s+REMAINING")
        .containsPattern("default.clicks_agg_v1\\s+default.clicks_agg\\s+3\\s+2")
        .contains("would expire 3 snapshots older than ")
        .contains(
            "(1s) in 1 table, keeping the newest 2 of each and every tagged snapshot;"
                + " nothing was changed");
    t.refresh();
    assertThat(t.snapshots()).hasSize(5);

    Run done = run("snapshots", "expire", "--older-than", "1s", "--retain-last", "2");
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(done.out())
        .containsPattern("default.clicks_agg_v1\\s+default.clicks_agg\\s+3\\s+2")
        .contains("expired 3 snapshots older than ");
    t.refresh();
    assertThat(t.snapshots()).hasSize(2);

    // the defaults (7 days, 100 kept) expire nothing here
    Run defaults = run("snapshots", "expire");
    assertThat(defaults.out())
        .contains("expired 0 snapshots")
        .contains("(7d)")
        .contains("keeping the newest 100");

    Run noSub = run("snapshots");
    assertThat(noSub.code()).isEqualTo(ExitCode.USAGE);
    assertThat(noSub.err()).contains("Missing a command: expire");
    Run help = run("snapshots", "expire", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: quiver snapshots expire", "--older-than", "--dry-run");
    Run unknown = run("snapshots", "expire", "nope");
    assertThat(unknown.code()).isEqualTo(ExitCode.INVALID);
    assertThat(unknown.err()).contains("VIEW: 'nope' has no offline table");
    Run badAge = run("snapshots", "expire", "--older-than", "week");
    assertThat(badAge.code()).isEqualTo(ExitCode.INVALID);
    assertThat(badAge.err()).contains("--older-than: 'week' (expected: a duration such as");
    Run badKeep = run("snapshots", "expire", "--retain-last", "0");
    assertThat(badKeep.code()).isEqualTo(ExitCode.INVALID);
    assertThat(badKeep.err()).contains("--retain-last: 0 (expected:");
  }

  @Test
  void quiverServeExpiresOldSnapshotsPeriodically() throws Exception {
    Table t = tableWithSnapshots(4);
    java.io.StringWriter out = new java.io.StringWriter();
    Thread serving =
        new Thread(
            () ->
                QuiverCli.commandLine()
                    .setOut(new java.io.PrintWriter(out, true))
                    .setErr(new java.io.PrintWriter(out, true))
                    .execute(
                        "--set",
                        "quiver.data-dir=" + dir.resolve("data"),
                        "--set",
                        "offline.snapshots.expire-interval=1s",
                        "--set",
                        "offline.snapshots.max-age=1s",
                        "--set",
                        "offline.snapshots.retain-last=1",
                        "serve",
                        "--port",
                        "0"));
    serving.start();
    try {
      long deadline = System.nanoTime() + 60_000_000_000L;
      int left = 4;
      while (left > 1 && System.nanoTime() < deadline) {
        Thread.sleep(200);
        t.refresh();
        left = 0;
        for (var ignored : t.snapshots()) {
          left++;
        }
      }
      assertThat(left).as(out.toString()).isEqualTo(1);
    } finally {
      serving.interrupt();
      serving.join(30_000);
    }
  }
}
