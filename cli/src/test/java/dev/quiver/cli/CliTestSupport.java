package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Runs the CLI in-process with its own data directory, and writes spec fixtures. */
abstract class CliTestSupport {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--set", "quiver.data-dir=" + dir.resolve("data")));
    all.addAll(List.of(args));
    int code =
        QuiverCli.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * Runs a command that must succeed. A failure names the command, its exit code and its stderr, so
   * a failure seen once (e.g. on a loaded CI machine) says which step failed and why.
   */
  Run ok(String... args) {
    Run r = run(args);
    assertThat(r.code())
        .as("quiver %s exited %d; stderr: %s", String.join(" ", args), r.code(), r.err())
        .isZero();
    return r;
  }

  /** Runs a command that must fail with {@code expected}; a mismatch shows its stderr. */
  Run fails(int expected, String... args) {
    Run r = run(args);
    assertThat(r.code())
        .as("quiver %s exited %d; stderr: %s", String.join(" ", args), r.code(), r.err())
        .isEqualTo(expected);
    return r;
  }

  static Path examples() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolve("examples"))) {
      d = d.getParent();
    }
    assertThat(d).as("examples/ above the module directory").isNotNull();
    return d.resolve("examples");
  }

  Path spec(String name, String yaml) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  static final String ENTITY_AND_SOURCE =
      """
      kind: entity
      name: user
      join_keys: [{name: user_id, type: STRING}]
      ---
      kind: kafka
      name: clicks
      schema:
        - {name: user_id, type: STRING}
        - {name: page, type: STRING}
        - {name: dwell_ms, type: BIGINT}
        - {name: event_time, type: TIMESTAMP}
      event_time_field: event_time
      options: {topic: clicks, format: json}
      """;

  /** The raw events of source {@code clicks} as an Iceberg schema (backfill history files). */
  static final org.apache.iceberg.Schema CLICKS_RAW =
      new org.apache.iceberg.Schema(
          org.apache.iceberg.types.Types.NestedField.optional(
              1, "user_id", org.apache.iceberg.types.Types.StringType.get()),
          org.apache.iceberg.types.Types.NestedField.optional(
              2, "page", org.apache.iceberg.types.Types.StringType.get()),
          org.apache.iceberg.types.Types.NestedField.optional(
              3, "dwell_ms", org.apache.iceberg.types.Types.LongType.get()),
          org.apache.iceberg.types.Types.NestedField.optional(
              4, "event_time", org.apache.iceberg.types.Types.TimestampType.withZone()));

  static String view(String version, String owner, String... features) {
    StringBuilder sb =
        new StringBuilder(
            "name: user_pages\nversion: "
                + version
                + "\nentities: [user]\nsource: clicks\nttl: 1d\nowner: "
                + owner
                + "\ntags: {team: growth}\nfeatures:\n");
    for (String f : features) {
      sb.append("  - {name: ").append(f).append(", dtype: STRING, expr: page}\n");
    }
    return sb.toString();
  }

  @BeforeEach
  void baseSpecs() throws IOException {
    spec("base.yaml", ENTITY_AND_SOURCE);
  }
}
