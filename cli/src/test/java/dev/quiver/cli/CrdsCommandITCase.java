package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.MaterializationJob;
import dev.quiver.jobs.ViewResolution;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver crds} against a real PostgreSQL registry (the only kind a job on Kubernetes can
 * read): the printed resources parse into the operator's model, and the job they start, given the
 * mounted quiver.yaml and its args, finds the same view in the same registry.
 */
class CrdsCommandITCase extends CliTestSupport {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final ObjectMapper STRICT =
      new YAMLMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static EmbeddedPostgres postgres;

  private Path config;

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void clusterConfigAndSpecs() throws Exception {
    String db = "crds_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    config =
        spec(
            "quiver.yaml",
            """
            registry:
              type: postgres
              url: %s
              username: postgres
              pool-size: 2
            online:
              type: hbase
              hbase:
                zookeeper-quorum: zk-0.zk:2181
            offline:
              warehouse: s3://features/warehouse
            kafka:
              bootstrap-servers: kafka:9092
            deploy:
              checkpoint-dir: s3://features/checkpoints
            """
                .formatted(postgres.getJdbcUrl("postgres", db)));
    ok("-c", config.toString(), "apply", dir.resolve("base.yaml").toString());
    ok(
        "-c",
        config.toString(),
        "apply",
        spec("pages.yaml", view("v1", "a@example.com", "last_page")).toString());
    ok(
        "-c",
        config.toString(),
        "apply",
        spec(
                "sessions.yaml",
                """
                kind: iceberg
                name: sessions
                schema:
                  - {name: user_id, type: STRING}
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
                  - {name: sessions_7d, aggregation: {column: '*', function: count, window: 7d}}
                """)
            .toString());
  }

  static List<String> documents(String yaml) {
    List<String> docs = new ArrayList<>();
    for (String d : yaml.split("(?m)^---\\s*$")) {
      if (!d.isBlank()) {
        docs.add(d);
      }
    }
    return docs;
  }

  @Test
  void theJobOfThePrintedResourcesFindsTheSameViewInTheSameRegistry() throws Exception {
    Run r = ok("-c", config.toString(), "crds", "user_pages", "--namespace", "features");
    List<String> docs = documents(r.out());
    assertThat(docs).hasSize(2);
    ConfigMap cm = STRICT.readValue(docs.get(0), ConfigMap.class);
    FlinkDeployment fd = STRICT.readValue(docs.get(1), FlinkDeployment.class);
    assertThat(fd.getMetadata().getName()).isEqualTo("default-user-pages-v1");
    assertThat(fd.getMetadata().getNamespace()).isEqualTo("features");
    assertThat(cm.getMetadata().getNamespace()).isEqualTo("features");

    // what the pod does: its args, and the ConfigMap's quiver.yaml at the path they name
    MaterializationJob.Arguments args =
        MaterializationJob.Arguments.parse(fd.getSpec().getJob().getArgs());
    assertThat(args.config().getFileName().toString()).isEqualTo("quiver.yaml");
    Path mounted = Files.createDirectories(dir.resolve("mount")).resolve("quiver.yaml");
    Files.writeString(mounted, cm.getData().get("quiver.yaml"));
    QuiverConfig loaded = QuiverConfig.load(mounted);
    try (FeatureRegistry registry = FeatureRegistries.open(loaded)) {
      FeatureView view = ViewResolution.resolve(registry, args.view()).view();
      assertThat(view.qualifiedName()).isEqualTo("default.user_pages");
      assertThat(view.version().toString()).isEqualTo("v1");
      assertThat(view.features()).extracting(f -> f.name()).containsExactly("last_page");
    }
    assertThat(loaded.asMap())
        .containsEntry("jobs.checkpoint-dir", "s3://features/checkpoints")
        .doesNotContainKeys("deploy.checkpoint-dir", "quiver.data-dir");
  }

  @Test
  void allWritesOneFilePerStreamingViewAndSkipsTheBatchOne() throws Exception {
    Path out = dir.resolve("k8s");
    Run r = ok("-c", config.toString(), "crds", "--all", "--out", out.toString());
    Path file = out.resolve("default-user-pages-v1.yaml");
    assertThat(r.out().strip()).isEqualTo("wrote " + file + " (default.user_pages:v1)");
    try (var files = Files.list(out)) {
      assertThat(files).containsExactly(file);
    }
    assertThat(Files.readString(file))
        .isEqualTo(ok("-c", config.toString(), "crds", "user_pages:v1").out());
  }

  @Test
  void refusalsNameTheViewOrTheSettingAndExitWithTheirCodes() {
    Run unknown = fails(ExitCode.NOT_FOUND, "-c", config.toString(), "crds", "user_page");
    assertThat(unknown.err()).startsWith("error: unknown feature view 'default.user_page'");
    assertThat(unknown.out()).isEmpty();

    Run batch =
        fails(ExitCode.INVALID, "-c", config.toString(), "crds", "user_pages", "user_sessions");
    assertThat(batch.err())
        .startsWith(
            "error: default.user_sessions:v1: source: 'sessions' is an iceberg source; quiver"
                + " materialize runs the streaming job of a view over a Kafka source")
        .contains("quiver backfill user_sessions --from A --to B");
    assertThat(batch.out()).as("nothing is printed when one view fails").isEmpty();

    Run local =
        fails(
            ExitCode.INVALID,
            "-c",
            config.toString(),
            "--set",
            "deploy.checkpoint-dir=/var/quiver/checkpoints",
            "crds",
            "user_pages");
    assertThat(local.err())
        .startsWith(
            "error: deploy.checkpoint-dir: '/var/quiver/checkpoints' is a local path; on"
                + " Kubernetes each pod has its own disk");

    // the defaults: an embedded registry, which the pods cannot read
    ok("apply", dir.resolve("base.yaml").toString());
    ok("apply", dir.resolve("pages.yaml").toString());
    Run embedded = fails(ExitCode.INVALID, "crds", "user_pages");
    assertThat(embedded.err())
        .startsWith("error: registry.type: 'embedded' is a database file on this machine");

    fails(ExitCode.USAGE, "-c", config.toString(), "crds", "--all", "user_pages");
    Run twoOfOneMajor =
        fails(ExitCode.USAGE, "-c", config.toString(), "crds", "user_pages", "user_pages:v1");
    assertThat(twoOfOneMajor.err()).contains("are one deployment (default-user-pages-v1");
  }
}
