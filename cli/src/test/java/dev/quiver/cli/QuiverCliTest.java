package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import dev.quiver.offline.OfflineCatalogs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Units of the CLI that need no registry. */
class QuiverCliTest {

  @Test
  void viewRefs() {
    assertThat(ViewRef.parse("v", null)).isEqualTo(new ViewRef("default", "v", null));
    assertThat(ViewRef.parse("risk.m:v2.1", null)).isEqualTo(new ViewRef("risk", "m", "v2.1"));
    assertThat(ViewRef.parse("m:v3", "ns")).isEqualTo(new ViewRef("ns", "m", "v3"));
    assertThatThrownBy(() -> ViewRef.parse("m:", null))
        .hasMessageContaining("expected: [namespace.]view[:version]");
    assertThatThrownBy(() -> ViewRef.parse(".m", null))
        .isInstanceOf(QuiverCli.CliUsageException.class);
    // a malformed version is a usage error (exit 2, docs/cli.md), not a registry refusal (exit 1)
    assertThat(ViewRef.parse("m:latest", null).version()).isEqualTo("latest");
    assertThatThrownBy(() -> ViewRef.parse("m:x", null))
        .isInstanceOf(QuiverCli.CliUsageException.class)
        .hasMessageContaining("version 'x' is not a version (expected: latest, v<major>");
    assertThatThrownBy(() -> ViewRef.parse("m:v1.2.3", null))
        .isInstanceOf(QuiverCli.CliUsageException.class);
    // a time where the view goes (Feast's materialize START END) says so, with the command
    for (String time : List.of("2024-05-01", "2024-05-01T00:00:00Z")) {
      assertThatThrownBy(() -> ViewRef.parse(time, null))
          .isInstanceOf(QuiverCli.CliUsageException.class)
          .hasMessage(
              "'"
                  + time
                  + "' is a time, not a view (expected: [namespace.]view[:version] first); a range"
                  + " of history is quiver backfill VIEW --from "
                  + time
                  + " --to END (--online for the online store too)");
    }
  }

  /**
   * What a newcomer needs from {@code quiver local --help} when 8080 is taken (how to choose
   * another port) and from {@code quiver --help} after a Ctrl-C (what 130 means).
   */
  @Test
  void helpNamesThePortOptionAndTheSignalExitCodes() {
    StringWriter local = new StringWriter();
    QuiverCli.commandLine().setOut(new PrintWriter(local, true)).execute("local", "--help");
    assertThat(local.toString()).contains("--set server.port=");
    StringWriter root = new StringWriter();
    QuiverCli.commandLine().setOut(new PrintWriter(root, true)).execute("--help");
    assertThat(root.toString()).contains("130").contains("143");
  }

  /**
   * A Feast user's first commands get Quiver's answer, not picocli's nearest spelling ({@code
   * lookup} was "Did you mean: quiver local?", {@code materialize START END} "Unmatched argument at
   * index 2" alone); other mistakes keep picocli's suggestions.
   */
  @Test
  void feastCommandsAreAnsweredWithQuiversOwn() {
    assertThat(usage("lookup", "user", "user_1"))
        .contains("error: Unmatched arguments from index 0: 'lookup'")
        .contains("hint: there is no lookup command; lookups are REST calls")
        .contains("/v1/features:lookup")
        .doesNotContain("Did you mean");
    assertThat(usage("materialize", "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"))
        .contains("hint: quiver backfill VIEW --from START --to END --online");
    assertThat(usage("materialize-incremental", "2024-05-02T00:00:00Z"))
        .contains("hint: quiver backfill VIEW --from START --to END --online");
    assertThat(usage("get-historical-features")).contains("hint: a training set is quiver export");
    assertThat(usage("lcoal")).contains("Did you mean: quiver local").doesNotContain("hint:");
    assertThat(usage("materialize", "v", "extra")).doesNotContain("hint:");
  }

  private static String usage(String... args) {
    StringWriter err = new StringWriter();
    int code = QuiverCli.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    assertThat(code).as(err.toString()).isEqualTo(2);
    return err.toString();
  }

  /**
   * Every option's value in the usage lines has a name that says what to write ({@code
   * --from=TIME}, {@code --server=URL}), not picocli's field name ({@code --from=<from>}).
   */
  @Test
  void usageLinesNameOptionValuesNotFields() {
    List<String> fieldNames = new ArrayList<>();
    collectUsage(QuiverCli.commandLine(), fieldNames);
    assertThat(fieldNames).isEmpty();
  }

  private static void collectUsage(picocli.CommandLine cmd, List<String> fieldNames) {
    for (picocli.CommandLine sub : cmd.getSubcommands().values()) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("[-\\w]+=?\\[?<\\w+>").matcher(sub.getUsageMessage());
      while (m.find()) {
        fieldNames.add(sub.getCommandSpec().qualifiedName() + ": " + m.group());
      }
      collectUsage(sub, fieldNames);
    }
  }

  @Test
  void sunsetDates() {
    assertThat(DeprecateCommand.parseDate("2030-01-02"))
        .isEqualTo(Instant.parse("2030-01-02T00:00:00Z"));
    assertThat(DeprecateCommand.parseDate("2030-01-02T03:04:05Z"))
        .isEqualTo(Instant.parse("2030-01-02T03:04:05Z"));
    assertThatThrownBy(() -> DeprecateCommand.parseDate("next week"))
        .hasMessage("--sunset: 'next week' (expected: a date YYYY-MM-DD or an ISO instant)");
  }

  static FeatureView view(String name, int major) {
    return FeatureView.builder(name)
        .version(Version.of(major))
        .entities(List.of("user"))
        .features(List.of(Feature.row("f", FeatureType.INT64)))
        .build();
  }

  @Test
  void severalVersionsOfOneViewAreAppliedInVersionOrder() {
    SpecBundle bundle =
        new SpecBundle(
            List.of(),
            List.of(),
            List.of(view("a", 4), view("b", 1), view("a", 3), view("a", 5)),
            List.of());
    List<SpecBundle> waves = ApplyWaves.split(bundle);
    assertThat(waves).hasSize(3);
    assertThat(waves.get(0).views())
        .extracting(v -> v.name() + v.version())
        .containsExactly("av3", "bv1");
    assertThat(waves.get(1).views()).extracting(v -> v.name() + v.version()).containsExactly("av4");
    assertThat(waves.get(2).views()).extracting(v -> v.name() + v.version()).containsExactly("av5");
    assertThat(ApplyWaves.split(SpecBundle.ofViews(view("x", 1)))).hasSize(1);
  }

  @Test
  void planReadsLikeADiff() {
    ApplyResult result =
        new ApplyResult(
            List.of(
                new ChangePlan("feature_view", "default", "a", "CREATE", null, "v1", List.of()),
                new ChangePlan(
                    "feature_view",
                    "default",
                    "b",
                    "UPDATE",
                    "v1",
                    "v1.1",
                    List.of(
                        new Change(
                            "features[x]", "added feature x INT64", Compatibility.COMPATIBLE),
                        new Change("features[y]", "removed feature y", Compatibility.BREAKING))),
                new ChangePlan("entity", "default", "user", "UNCHANGED", null, null, List.of())),
            List.of(),
            true);
    PlanPrinter plan = new PlanPrinter(result, List.of());
    StringWriter sw = new StringWriter();
    plan.print(new PrintWriter(sw), "specs/");
    assertThat(sw.toString())
        .contains("Plan for specs/ (dry run):")
        .contains("  + feature_view default.a  (new, v1)")
        .contains("  ~ feature_view default.b  v1 -> v1.1")
        .containsPattern("\\+ added feature x INT64 +COMPATIBLE")
        .containsPattern("- removed feature y +BREAKING")
        .contains("  = entity default.user  (unchanged)")
        .contains("1 to create, 1 to update, 0 new major, 1 unchanged.")
        .contains("Breaking changes under an existing major version are refused");
    assertThat(plan.hasRefusedBreakingChange()).isTrue();
  }

  /** A feature service's consumed features are additions and removals, not changes ({@code ~}). */
  @Test
  void aServiceThatConsumesAFeatureIsAnAddition() {
    ApplyResult result =
        new ApplyResult(
            List.of(
                new ChangePlan(
                    "feature_service",
                    "default",
                    "fraud_model",
                    "UPDATE",
                    null,
                    null,
                    List.of(
                        new Change("features[a:v1.x]", "consumes a:v1.x", Compatibility.COMPATIBLE),
                        new Change(
                            "features[a:v1.y]",
                            "no longer consumes a:v1.y",
                            Compatibility.COMPATIBLE)))),
            List.of(),
            true);
    StringWriter sw = new StringWriter();
    new PlanPrinter(result, List.of()).print(new PrintWriter(sw), "specs/");
    assertThat(sw.toString())
        .containsPattern("\\+ consumes a:v1.x +COMPATIBLE")
        .containsPattern("- no longer consumes a:v1.y +COMPATIBLE");
  }

  @Test
  void configValidationRejectsMisspeltKeysOfKnownSections() {
    List<String> warnings = new ArrayList<>();
    CliEnvironment.validate(
        QuiverConfig.of(
            java.util.Map.of("registry.type", "embedded", "quiver.data-dir", "x", "foo.bar", "1")),
        warnings);
    assertThat(warnings)
        .containsExactly(
            "config: 'foo.bar' belongs to no module on the class path; it is ignored here");
    assertThatThrownBy(
            () ->
                CliEnvironment.validate(
                    QuiverConfig.of(java.util.Map.of("quiver.data-dri", "x")), new ArrayList<>()))
        .hasMessageContaining("Unsupported options: quiver.data-dri")
        .hasMessageContaining("quiver.data-dir");
    assertThatThrownBy(
            () ->
                CliEnvironment.validate(
                    QuiverConfig.of(java.util.Map.of("registry.pool-size", "many")),
                    new ArrayList<>()))
        .hasMessageContaining("registry.pool-size: 'many' (expected: an integer)");
  }

  @Test
  void sqlInitScriptCreatesTheCatalogWithoutCopyingThePassword(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("quiver.yaml");
    Files.writeString(
        yaml, "registry:\n  type: postgres\n  url: jdbc:postgresql://db/q\n  password: s3cret\n");
    CliEnvironment env = CliEnvironment.load(yaml, List.of("registry.username=o'brien"));
    SqlCommand sql = new SqlCommand();
    sql.catalogName = "quiver";
    Path secrets = dir.resolve("secrets.properties");
    String init = sql.initScript(env, secrets);
    assertThat(init)
        .startsWith("CREATE CATALOG `quiver` WITH (\n  'type' = 'quiver',")
        .contains("'config-file' = '" + yaml.toAbsolutePath() + "'")
        .contains("'registry.type' = 'postgres'")
        .contains("'registry.url' = 'jdbc:postgresql://db/q'")
        .contains("'registry.username' = 'o''brien'")
        .contains("'secrets-file' = '" + secrets.toAbsolutePath() + "'")
        .endsWith(");\nUSE CATALOG `quiver`;\n")
        .doesNotContain("s3cret")
        .doesNotContain("registry.path");
    // the password is in the owner-only secrets file the catalog reads
    assertThat(Files.readString(secrets)).contains("registry.password=s3cret");
    assertThat(java.nio.file.Files.getPosixFilePermissions(secrets))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void sqlInitScriptReadsTheWarehouseUnderTheDataDir(@TempDir Path dir) throws Exception {
    // export, backfill, serve and local keep the Iceberg warehouse in <quiver.data-dir>/warehouse;
    // quiver sql must read the same tables (time travel), not ./.quiver/warehouse.
    Path data = dir.resolve("data");
    CliEnvironment env =
        CliEnvironment.load(null, List.of("quiver.data-dir=" + data, "registry.path=mem:sqltest"));
    SqlCommand sql = new SqlCommand();
    sql.catalogName = "quiver";
    String warehouse = OfflineCatalogs.warehouseUri(data.resolve("warehouse").toString());
    assertThat(sql.initScript(env, dir.resolve("secrets.properties")))
        .contains("'offline.warehouse' = '" + warehouse + "'")
        .contains("'warehouse'='" + warehouse + "'");
  }

  @Test
  void helpSummariesAreWholeSentencesAndNameEveryInput() {
    picocli.CommandLine cli = QuiverCli.commandLine();
    // the command list of `quiver --help` shows each command's first description line
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              String[] description = sub.getCommandSpec().usageMessage().description();
              if (description.length > 0 && !name.equals("help")) {
                assertThat(description[0].strip()).as(name).endsWith(".");
              }
            });
    // --source takes a Kafka offset range too (docs/cli.md, docs/backfills.md)
    assertThat(cli.getSubcommands().get("backfill").getUsageMessage()).contains("kafka:0:100-200");
  }

  @Test
  void theSqlClientsLocalClustersListenOnLoopbackOnly(@TempDir Path dir) throws Exception {
    SqlCommand.writeFlinkConf(dir);
    org.apache.flink.configuration.Configuration conf =
        org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(dir.toString());
    for (String key :
        List.of(
            "rest.bind-address", "rest.address", "jobmanager.bind-host", "taskmanager.bind-host")) {
      assertThat(conf.getString(key, null)).as(key).isEqualTo("127.0.0.1");
    }
  }
}
