package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CLI in-process against the real embedded registry in a temporary data directory: apply (dry
 * run and real), list, describe, deprecate, exit codes, and {@code sql -f} (Flink's SQL client, run
 * in a child JVM because it reads FLINK_CONF_DIR from the environment).
 */
class QuiverCliITCase extends CliTestSupport {
  @Test
  void helpWorksEverywhere() {
    for (String cmd :
        List.of("apply", "list", "describe", "deprecate", "sql", "serve", "version")) {
      Run r = run(cmd, "--help");
      assertThat(r.code()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).contains("Usage: quiver " + cmd);
    }
    Run root = run("--help");
    assertThat(root.code()).isZero();
    assertThat(root.out()).contains("apply", "list", "describe", "deprecate", "sql", "Exit codes");
  }

  /**
   * A PostgreSQL registry that does not answer: exit 70, one line naming the database (password
   * masked) and the settings to check, no exception class on it, and no password anywhere.
   */
  @Test
  void anUnreachablePostgresRegistryNamesTheDatabaseAndTheFix() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Run r =
        fails(
            70,
            "--set",
            "registry.type=postgres",
            "--set",
            "registry.url=jdbc:postgresql://127.0.0.1:" + port + "/quiver?password=urlsecret",
            "--set",
            "registry.password=setsecret",
            "list");
    String first = r.err().lines().findFirst().orElse("");
    assertThat(first)
        .startsWith(
            "error: cannot connect to the registry database at jdbc:postgresql://127.0.0.1:"
                + port
                + "/quiver?password=***: ")
        .contains("registry.url, registry.username and registry.password")
        .doesNotContain("Exception");
    assertThat(r.err()).doesNotContain("urlsecret", "setsecret", "\tat ");
  }

  /**
   * {@code bin/quiver}'s exit status comes from {@link QuiverMain}, the one place that ends the JVM
   * with the command's code; run it in a child JVM (it must not end the test JVM) and read the
   * process's status, for success, a usage error and a missing view.
   */
  @Test
  void mainEndsTheProcessWithTheCommandsExitCode() throws Exception {
    String data = "quiver.data-dir=" + dir.resolve("child-data");
    assertThat(exitStatusOfMain("version")).isEqualTo(ExitCode.OK);
    assertThat(exitStatusOfMain("no-such-command")).isEqualTo(ExitCode.USAGE);
    assertThat(exitStatusOfMain("--set", data, "describe", "no_such_view"))
        .isEqualTo(ExitCode.NOT_FOUND);
  }

  private int exitStatusOfMain(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(QuiverMain.class.getName());
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child-" + args[args.length - 1] + ".log").toFile())
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("quiver %s ended", List.of(args)).isTrue();
    return p.exitValue();
  }

  @Test
  void usageErrorsExitWith2() {
    Run unknown = run("no-such-command");
    assertThat(unknown.code()).isEqualTo(ExitCode.USAGE);
    // one error line and where the usage is, not the whole help text
    assertThat(unknown.err())
        .startsWith("error: Unmatched argument at index ")
        .contains("'no-such-command'")
        .contains("Try 'quiver --help' for usage.")
        .doesNotContain("Usage:");
    Run badStatus = run("list", "--status", "WHATEVER");
    assertThat(badStatus.code()).isEqualTo(ExitCode.USAGE);
    assertThat(badStatus.err())
        .contains("'WHATEVER' is not a status", "Try 'quiver list --help' for usage.")
        .doesNotContain("Usage:");
    // checked before anything starts (a negative rate used to start the whole local stack)
    Run negativeRate = run("local", "--rate", "-5");
    assertThat(negativeRate.code()).isEqualTo(ExitCode.USAGE);
    assertThat(negativeRate.err()).contains("--rate: -5 (expected: sample events per second");
    assertThat(run("apply").code()).isEqualTo(ExitCode.USAGE);
    Run missing = run("apply", dir.resolve("nope.yaml").toString());
    assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
    assertThat(missing.err()).contains("no such file or directory");
    Run badKey = run("--set", "registry.tpye=embedded", "list");
    assertThat(badKey.code()).isEqualTo(ExitCode.USAGE);
    assertThat(badKey.err()).contains("Unsupported options: registry.tpye", "registry.type");
  }

  @Test
  void dryRunOfTheExamplesPrintsAPlanAndWritesNothing() {
    Run r = run("apply", "--dry-run", examples().toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("(dry run)")
        .contains("+ feature_view default.user_activity_metrics")
        .contains("+ feature_view default.merchant_risk")
        .contains("Dry run: nothing was written");
    Run list = run("list");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("0 views");
  }

  @Test
  void applyListDescribeDeprecate() throws IOException {
    // every step through ok/fails: a failure names the command and shows its stderr
    Path v1 = spec("v1.yaml", view("v1", "a@example.com", "last_page"));
    ok("apply", dir.resolve("base.yaml").toString());
    Run applied = ok("apply", v1.toString());
    assertThat(applied.out()).contains("+ feature_view default.user_pages", "Applied");

    // A compatible change: the plan shows it, then a new revision.
    Path v11 = spec("v11.yaml", view("v1", "b@example.com", "last_page", "page_again"));
    Run plan = ok("apply", "--dry-run", v11.toString());
    assertThat(plan.out()).contains("~ feature_view default.user_pages", "COMPATIBLE");
    ok("apply", v11.toString());

    Run list = ok("list", "--owner", "b@example.com");
    assertThat(list.out()).contains("user_pages", "v1.1", "ACTIVE", "team=growth", "1 view");
    assertThat(ok("list", "--owner", "nobody").out()).contains("0 views");
    assertThat(ok("list", "--search", "page_again").out()).contains("user_pages");
    Run listJson = ok("list", "--output", "json");
    JsonNode json = new ObjectMapper().readTree(listJson.out());
    assertThat(json.size()).as(listJson.out()).isEqualTo(1);
    assertThat(json.get(0).get("name").asText()).isEqualTo("user_pages");
    assertThat(json.get(0).get("version").asText()).isEqualTo("v1.1");

    Run describe = ok("describe", "user_pages:v1.0");
    assertThat(describe.out())
        .contains("name: user_pages", "last_page", "Versions:", "v1.1", "upstream sources:")
        .doesNotContain("page_again");
    assertThat(describe.out()).doesNotContain("Backfills");
    // a backfill's audit entry (what FlinkOfflineService records) is shown, text and JSON
    try (var registry =
        dev.quiver.core.registry.FeatureRegistries.open(
            dev.quiver.core.config.QuiverConfig.of(
                java.util.Map.of(
                    "registry.path", dir.resolve("data").resolve("registry").toString())))) {
      registry.recordAudit(
          new dev.quiver.core.registry.AuditEntry(
              java.time.Instant.parse("2030-01-01T00:00:00Z"),
              "qa",
              "backfill",
              "feature_view",
              "default",
              "user_pages",
              "v1.1",
              "{\"backfill_id\":\"b-1\",\"rows\":3}"));
    }
    assertThat(ok("describe", "user_pages").out())
        .contains("Backfills (newest first", "2030-01-01T00:00:00Z  v1.1  by qa", "\"b-1\"");
    // describe's YAML output is a spec file as it stands: versions, lineage and backfills are
    // comments (they were plain text that apply refused: "unknown key 'Versions'")
    Path described0 = dir.resolve("described.yaml");
    java.nio.file.Files.writeString(described0, ok("describe", "user_pages").out());
    assertThat(ok("apply", "--dry-run", described0.toString()).out()).contains("0 to create");
    JsonNode described =
        new ObjectMapper().readTree(ok("describe", "user_pages", "-o", "json").out());
    assertThat(described.at("/backfills/0/detail/backfill_id").asText()).isEqualTo("b-1");
    Run noView = fails(ExitCode.NOT_FOUND, "describe", "no_such_view");
    assertThat(noView.err()).isEqualTo("error: unknown feature view 'default.no_such_view'\n");
    assertThat(fails(ExitCode.NOT_FOUND, "describe", "user_pages:v9").err())
        .contains("user_pages:v9 does not exist (versions: v1 ACTIVE, v1.1 ACTIVE)");

    Run dep = ok("deprecate", "user_pages:v1.1", "--sunset", "2030-01-01");
    assertThat(dep.out()).contains("DEPRECATED", "2030-01-01");
    assertThat(ok("list", "--status", "deprecated").out()).contains("user_pages");
    fails(ExitCode.INVALID, "deprecate", "user_pages:v1.1", "--sunset", "soon");
    fails(ExitCode.USAGE, "deprecate", "user_pages");
    Run past = fails(ExitCode.INVALID, "deprecate", "user_pages:v1.1", "--sunset", "2020-01-01");
    assertThat(past.err())
        .startsWith("error: --sunset: 2020-01-01T00:00:00Z is not in the future")
        .contains("use --retire");
    // a move the lifecycle does not allow exits 4 (docs/cli.md), naming the allowed moves
    ok("deprecate", "user_pages:v1.1", "--retire");
    Run back = fails(ExitCode.CONFLICT, "deprecate", "user_pages:v1.1", "--sunset", "2031-01-01");
    assertThat(back.err()).contains("cannot move", "from RETIRED to DEPRECATED", "it is final");
  }

  /**
   * Retiring a version that a feature service pins breaks every lookup and export of the service
   * (410 GONE). The retirement is allowed, but it says which services it broke and the fix; an
   * unpinned reference that still resolves (to the newer major) is not named.
   */
  @Test
  void retiringAPinnedVersionNamesTheServicesItBreaks() throws IOException {
    ok("apply", dir.resolve("base.yaml").toString());
    ok("apply", spec("v1.yaml", view("v1", "a@example.com", "last_page")).toString());
    ok("apply", spec("v2.yaml", view("v2", "a@example.com", "other_page")).toString());
    ok(
        "apply",
        spec(
                "services.yaml",
                """
                kind: feature_service
                name: ranker
                features: [user_pages:v1.last_page, user_pages.other_page]
                ---
                kind: feature_service
                name: unaffected
                features: [user_pages:v2.other_page]
                """)
            .toString());
    Run deprecated = ok("deprecate", "user_pages:v1", "--sunset", "2030-01-01");
    assertThat(deprecated.err()).doesNotContain("warning");

    Run retired = ok("deprecate", "user_pages:v1", "--retire");
    assertThat(retired.out()).contains("default.user_pages:v1 is now RETIRED");
    assertThat(retired.err())
        .isEqualTo(
            "warning: feature service default.ranker reads user_pages:v1.last_page:"
                + " user_pages:v1 is RETIRED; move to user_pages:v2, so its lookups and exports"
                + " now fail (410 GONE); re-pin the reference in its spec and apply it again\n");
    // and an export through the service says which service, which reference and the fix (it
    // said 'user_pages:v1 is RETIRED; move to user_pages:v2', naming neither)
    Run export =
        fails(
            ExitCode.NOT_FOUND,
            "export",
            "--feature-service",
            "ranker",
            "--labels",
            dir.resolve("labels.csv").toString(),
            "--output",
            dir.resolve("out").toString());
    assertThat(export.err())
        .isEqualTo(
            "error: feature service 'ranker' pins user_pages:v1.last_page, and user_pages:v1 is"
                + " RETIRED; move to user_pages:v2; user_pages:v2 has no feature 'last_page'"
                + " (features: other_page): re-pin it to one of them, or remove it, in the"
                + " service's spec and quiver apply it\n");
  }

  @Test
  void materializeWithoutAReachableBrokerSaysSoAndExits1() throws IOException {
    // Flink's Kafka source retries forever: until session 9 the job just waited, silently
    run("apply", dir.resolve("base.yaml").toString());
    run("apply", spec("v1.yaml", view("v1", "a@example.com", "last_page")).toString());
    long t0 = System.nanoTime();
    Run r = run("--set", "kafka.bootstrap-servers=127.0.0.1:1", "materialize", "user_pages");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
    assertThat(r.err())
        .startsWith("error: kafka.bootstrap-servers: no Kafka broker answered at 127.0.0.1:1")
        .contains("topic 'clicks'");
    assertThat(System.nanoTime() - t0).isLessThan(60_000_000_000L);
  }

  /**
   * A second quiver local on a data directory that a running one holds is refused before it applies
   * its examples to the registry the running one uses (before: it applied them, then stopped on the
   * lock; quickstart.md says "before it touches anything").
   */
  @Test
  void aSecondLocalOnAHeldDataDirectoryAppliesNothing() throws Exception {
    Path data = java.nio.file.Files.createDirectories(dir.resolve("data"));
    Path examples = java.nio.file.Files.createDirectories(dir.resolve("mine"));
    java.nio.file.Files.copy(dir.resolve("base.yaml"), examples.resolve("base.yaml"));
    spec("mine/view.yaml", view("v1", "a@example.com", "last_page"));
    Process holder =
        OnlineStoreLockITCase.holdLock(java.nio.file.Files.createFile(data.resolve("local.lock")));
    try {
      Run r = run("local", "--examples", examples.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
      assertThat(r.err()).contains("is in use by another quiver local");
      assertThat(r.out()).doesNotContain("Applied");
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    assertThat(ok("list").out()).doesNotContain("user_pages");
  }

  /**
   * A job whose embedded online store another process holds is refused before it starts, naming the
   * store and how to get the view materialized (before: with quiver local running, materialize of a
   * newly applied view restarted ten times on RocksDB's lock and exited 70).
   */
  @Test
  void materializeWhileAnotherProcessHoldsTheOnlineStoreIsRefusedBeforeTheJob() throws Exception {
    run("apply", dir.resolve("base.yaml").toString());
    run("apply", spec("v1.yaml", view("v1", "a@example.com", "last_page")).toString());
    Path store = java.nio.file.Files.createDirectories(dir.resolve("data").resolve("online"));
    Process holder =
        OnlineStoreLockITCase.holdLock(java.nio.file.Files.createFile(store.resolve("LOCK")));
    try {
      Run r = run("--set", "kafka.bootstrap-servers=127.0.0.1:1", "materialize", "user_pages");
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
      assertThat(r.err())
          .startsWith("error: online.embedded.path: the embedded online store at ")
          .contains("is in use by another process", "stop it and start it again");
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
  }

  /**
   * A view over a batch source (Iceberg) has no streaming job: materialize says so and names the
   * command that fills it (session 12 QA pass: it printed "sources.sessions.topic: missing
   * (expected: the Kafka topic)", after creating the view's Iceberg table).
   */
  @Test
  void materializeOfABatchSourceViewNamesBackfill() throws IOException {
    run("apply", dir.resolve("base.yaml").toString());
    Run applied =
        run(
            "apply",
            spec(
                    "batch.yaml",
                    """
                    kind: iceberg
                    name: sessions
                    schema:
                      - {name: user_id, type: STRING}
                      - {name: duration_s, type: BIGINT}
                      - {name: event_time, type: TIMESTAMP}
                    event_time_field: event_time
                    options: {table: analytics.sessions}
                    ---
                    name: user_sessions
                    entities: [user]
                    source: sessions
                    ttl: 30d
                    online: false
                    owner: a@example.com
                    features:
                      - name: sessions
                        aggregation: {column: '*', function: count, window: 7d}
                    """)
                .toString());
    assertThat(applied.code()).as(applied.err()).isZero();
    Run r = run("materialize", "user_sessions");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
    assertThat(r.err())
        .startsWith(
            "error: source: 'sessions' is an iceberg source; quiver materialize runs the streaming"
                + " job of a view over a Kafka source")
        .contains("quiver backfill user_sessions");
    assertThat(dir.resolve("data").resolve("warehouse"))
        .as("no Iceberg table is created for a job that cannot run")
        .doesNotExist();
  }

  @Test
  void specErrorsArePrintedWithFileAndLineAndExit1() throws IOException {
    run("apply", dir.resolve("base.yaml").toString());
    Path bad =
        spec(
            "bad.yaml",
            """
            name: broken
            entities: [user]
            source: clicks
            ttl: 1d
            features:
              - {name: a, dtype: FLAOT64, expr: dwell_ms}
            """);
    Run r = run("apply", bad.toString());
    assertThat(r.code()).isEqualTo(ExitCode.INVALID);
    assertThat(r.err())
        .contains("bad.yaml:6:", "features[0].dtype", "FLOAT64", "nothing was applied");
  }

  @Test
  void breakingChangeUnderTheSameMajorIsRefusedWith3() throws IOException {
    run("apply", dir.resolve("base.yaml").toString());
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "p1", "p2")).toString()).code())
        .isZero();
    Path dropped = spec("v1b.yaml", view("v1", "a@x.com", "p1"));
    Run r = run("apply", dropped.toString());
    assertThat(r.code()).isEqualTo(ExitCode.BREAKING_CHANGE);
    assertThat(r.err()).contains("p2");
    Run dry = run("apply", "--dry-run", dropped.toString());
    assertThat(dry.code()).isEqualTo(ExitCode.BREAKING_CHANGE);
    // The fix: a new major.
    assertThat(run("apply", spec("v2.yaml", view("v2", "a@x.com", "p1")).toString()).code())
        .isZero();
  }
}
