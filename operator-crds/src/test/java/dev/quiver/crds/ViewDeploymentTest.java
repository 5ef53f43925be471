package dev.quiver.crds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.Version;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.MaterializationJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resources of a view's job, checked against the real things they are read by: the operator's
 * model classes (strict Jackson), the operator's CRD schema from its jar, Flink's own option
 * declarations, the job's argument parser and Quiver's config loader.
 */
class ViewDeploymentTest {
  private static final AtomicInteger REGISTRIES = new AtomicInteger();
  private static FeatureRegistry registry;
  private static FeatureView txn;
  private static FeatureView sessions;

  @TempDir Path dir;

  @BeforeAll
  static void views() {
    registry =
        FeatureRegistries.open(
            QuiverConfig.of(
                Map.of(
                    "registry.type",
                    "embedded",
                    "registry.path",
                    "mem:crds" + REGISTRIES.incrementAndGet())));
    registry.apply(
        SpecParser.parse(
                """
                kind: entity
                name: user
                join_keys: [{name: user_id, type: STRING}]
                ---
                kind: kafka
                name: txns
                schema: {user_id: STRING, amount: DOUBLE, event_time: TIMESTAMP}
                event_time_field: event_time
                options: {topic: txns, format: json}
                ---
                kind: iceberg
                name: sessions
                schema: {user_id: STRING, duration_s: BIGINT, event_time: TIMESTAMP}
                event_time_field: event_time
                options: {table: analytics.sessions}
                ---
                name: user_txn
                version: v3
                entities: [user]
                source: txns
                ttl: 1d
                features:
                  - {name: txn_count_1h, aggregation: {column: '*', function: count, window: 1h}}
                ---
                name: user_sessions
                entities: [user]
                source: sessions
                ttl: 30d
                online: false
                features:
                  - {name: sessions_7d, aggregation: {column: '*', function: count, window: 7d}}
                """,
                "specs.yaml")
            .bundle(),
        "tester",
        false);
    txn = registry.getView("default", "user_txn", "latest").view();
    sessions = registry.getView("default", "user_sessions", "latest").view();
  }

  @AfterAll
  static void close() {
    registry.close();
  }

  /** What a cluster's quiver.yaml holds: everything the job reads reachable from its pods. */
  static Map<String, String> clusterSettings() {
    Map<String, String> m = new TreeMap<>();
    m.put("registry.type", "postgres");
    m.put("registry.url", "jdbc:postgresql://registry-db:5432/quiver");
    m.put("registry.username", "quiver");
    m.put("registry.password", "s3cret");
    m.put("online.type", "hbase");
    m.put("online.hbase.zookeeper-quorum", "zk-0.zk:2181");
    m.put("offline.warehouse", "s3://features/warehouse");
    m.put("kafka.bootstrap-servers", "kafka:9092");
    m.put("jobs.checkpoint-dir", ".quiver/checkpoints");
    m.put("jobs.checkpoint-interval", "30s");
    m.put("jobs.parallelism", "2");
    m.put("deploy.checkpoint-dir", "s3://features/checkpoints");
    m.put("deploy.taskmanager.memory", "4g");
    m.put("quiver.data-dir", "/home/me/.quiver");
    return m;
  }

  static QuiverConfig cluster() {
    return QuiverConfig.of(clusterSettings());
  }

  static QuiverConfig clusterWith(String key, String value) {
    Map<String, String> m = clusterSettings();
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return QuiverConfig.of(m);
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

  private static final ObjectMapper STRICT =
      new YAMLMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @Test
  void theYamlParsesBackIntoTheOperatorsModelClassesStrictly() throws Exception {
    ViewDeployment d = ViewDeployment.of(txn, cluster(), "registry.example/quiver-jobs:1", "ml");
    List<String> docs = documents(d.toYaml());
    assertThat(docs).hasSize(2);

    ConfigMap cm = STRICT.readValue(docs.get(0), ConfigMap.class);
    assertThat(cm).isEqualTo(d.configMap());
    FlinkDeployment fd = STRICT.readValue(docs.get(1), FlinkDeployment.class);
    assertThat(fd.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
    assertThat(fd.getKind()).isEqualTo("FlinkDeployment");
    assertThat(fd.getMetadata()).isEqualTo(d.deployment().getMetadata());
    assertThat(fd.getSpec()).isEqualTo(d.deployment().getSpec());
    assertThat(STRICT.readTree(docs.get(1)).has("status")).as("status is the operator's").isFalse();

    assertThat(fd.getMetadata().getName()).isEqualTo("default-user-txn-v3");
    assertThat(fd.getMetadata().getNamespace()).isEqualTo("ml");
    assertThat(fd.getSpec().getImage()).isEqualTo("registry.example/quiver-jobs:1");
    assertThat(fd.getSpec().getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
    assertThat(fd.getSpec().getMode()).as("native: the operator's application mode").isNull();
    assertThat(fd.getSpec().getJob().getJarURI())
        .isEqualTo("local:///opt/flink/usrlib/quiver-jobs.jar");
    assertThat(fd.getSpec().getJob().getEntryClass())
        .isEqualTo("dev.quiver.jobs.MaterializationJob");
    assertThat(fd.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
    assertThat(fd.getSpec().getJob().getParallelism()).isEqualTo(2);
    assertThat(fd.getSpec().getTaskManager().getResource().getMemory()).isEqualTo("4g");
    assertThat(fd.getSpec().getTaskManager().getResource().getCpu()).isEqualTo(1.0);
    assertThat(fd.getSpec().getJobManager().getResource().getMemory()).isEqualTo("1600m");
    assertThat(fd.getSpec().getJobManager().getResource().getCpu()).isEqualTo(0.5);
    assertThat(fd.getSpec().getServiceAccount()).isEqualTo("flink");
    assertThat(fd.getMetadata().getLabels())
        .containsEntry("quiver.dev/namespace", "default")
        .containsEntry("quiver.dev/view", "user_txn")
        .containsEntry("quiver.dev/major", "v3")
        .containsEntry("quiver.dev/version", "v3");
    assertThat(fd.getMetadata().getAnnotations())
        .containsEntry("quiver.dev/view", "default.user_txn:v3");
  }

  /**
   * The operator's own CRD (from its jar, as installed in a cluster) accepts the deployment; its
   * schema is made strict, as the API server's pruning is silent: a field the schema does not know
   * would be dropped without a word.
   */
  @Test
  void theDeploymentValidatesAgainstTheOperatorsCrdSchema() throws Exception {
    JsonSchema schema = crdSchema();
    ViewDeployment d = ViewDeployment.of(txn, cluster(), null, null);
    JsonNode deployment = STRICT.readTree(documents(d.toYaml()).get(1));
    assertThat(schema.validate(deployment)).isEmpty();

    // the validator is not a no-op: the same document with a wrong value, or a misspelt field,
    // fails
    ObjectNode badMode = deployment.deepCopy();
    ((ObjectNode) badMode.get("spec").get("job")).put("upgradeMode", "sometimes");
    assertThat(schema.validate(badMode)).isNotEmpty();
    ObjectNode misspelt = deployment.deepCopy();
    ((ObjectNode) misspelt.get("spec").get("job")).put("jarUri", "local:///x.jar");
    assertThat(schema.validate(misspelt)).extracting(ValidationMessage::getMessage).isNotEmpty();
    ObjectNode notANumber = deployment.deepCopy();
    ((ObjectNode) notANumber.get("spec").get("job")).put("parallelism", "two");
    assertThat(schema.validate(notANumber)).isNotEmpty();
  }

  static JsonSchema crdSchema() throws Exception {
    JsonNode crd;
    try (InputStream in =
        FlinkDeployment.class.getResourceAsStream(
            "/META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml")) {
      assertThat(in).as("the CRD in the operator-api jar").isNotNull();
      crd = new YAMLMapper().readTree(in);
    }
    JsonNode openApi = null;
    for (JsonNode v : crd.get("spec").get("versions")) {
      if (v.get("name").asText().equals("v1beta1")) {
        openApi = v.get("schema").get("openAPIV3Schema").deepCopy();
      }
    }
    assertThat(openApi).as("the v1beta1 schema of the CRD").isNotNull();
    // apiVersion, kind and metadata are the API server's, outside the CRD's schema: strict below
    strict(openApi.get("properties").get("spec"));
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApi);
  }

  /** No property outside {@code properties}, except where the CRD keeps unknown fields. */
  private static void strict(JsonNode node) {
    if (node instanceof ObjectNode o) {
      if (o.has("properties")
          && !o.has("additionalProperties")
          && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        o.put("additionalProperties", false);
      }
      o.elements().forEachRemaining(ViewDeploymentTest::strict);
    } else if (node != null && node.isArray()) {
      node.forEach(ViewDeploymentTest::strict);
    }
  }

  @Test
  void theArgsParseWithTheJobsOwnParserAndNameTheMountedFile() {
    ViewDeployment d = ViewDeployment.of(txn, cluster(), null, null);
    FlinkDeployment fd = d.deployment();
    MaterializationJob.Arguments args =
        MaterializationJob.Arguments.parse(fd.getSpec().getJob().getArgs());
    assertThat(args.view()).isEqualTo("default.user_txn:v3");
    assertThat(args.restore()).isNull();

    // the file it names is the ConfigMap's quiver.yaml, mounted into the main container
    Container main = fd.getSpec().getPodTemplate().getSpec().getContainers().get(0);
    assertThat(main.getName()).isEqualTo("flink-main-container");
    var mount = main.getVolumeMounts().get(0);
    Volume volume =
        fd.getSpec().getPodTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getConfigMap().getName()).isEqualTo(d.configMap().getMetadata().getName());
    assertThat(d.configMap().getData()).containsOnlyKeys("quiver.yaml");
    assertThat(args.config()).isEqualTo(Path.of(mount.getMountPath(), "quiver.yaml"));
  }

  @Test
  void theMountedYamlLoadsWithQuiversLoaderAndNamesTheSameRegistry() throws Exception {
    ViewDeployment d = ViewDeployment.of(txn, cluster(), null, null);
    Path file = dir.resolve("quiver.yaml");
    Files.writeString(file, d.configMap().getData().get("quiver.yaml"));
    QuiverConfig loaded = QuiverConfig.load(file);

    Map<String, String> expected = new TreeMap<>(clusterSettings());
    expected.keySet().removeIf(k -> k.startsWith("deploy.") || k.startsWith("quiver."));
    expected.remove("registry.password"); // a ConfigMap is not secret
    expected.put("jobs.checkpoint-dir", "s3://features/checkpoints");
    assertThat(loaded.asMap()).isEqualTo(expected);
    assertThat(d.warnings()).singleElement().asString().startsWith("registry.password");
    // the pods get QUIVER_REGISTRY_PASSWORD from the optional Secret
    Container main = d.deployment().getSpec().getPodTemplate().getSpec().getContainers().get(0);
    assertThat(main.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("quiver-secrets");
  }

  /**
   * Every flinkConfiguration key is declared by one of Flink 1.20's option classes (its key or a
   * deprecated one), and every value parses as that option's type.
   */
  @Test
  void theFlinkConfigurationHoldsRealFlinkOptionsWithValidValues() throws Exception {
    Map<String, String> flink =
        ViewDeployment.of(txn, cluster(), null, null)
            .deployment()
            .getSpec()
            .getFlinkConfiguration();
    Map<String, ConfigOption<?>> declared = new HashMap<>();
    for (String cls :
        List.of(
            "org.apache.flink.configuration.CheckpointingOptions",
            "org.apache.flink.configuration.StateBackendOptions",
            "org.apache.flink.configuration.StateRecoveryOptions",
            "org.apache.flink.configuration.RestartStrategyOptions",
            "org.apache.flink.configuration.CoreOptions",
            "org.apache.flink.configuration.PipelineOptions",
            "org.apache.flink.configuration.HighAvailabilityOptions",
            "org.apache.flink.configuration.TaskManagerOptions",
            "org.apache.flink.configuration.JobManagerOptions",
            "org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions",
            "org.apache.flink.contrib.streaming.state.RocksDBOptions",
            "org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions")) {
      for (Field f : Class.forName(cls).getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
          ConfigOption<?> o = (ConfigOption<?>) f.get(null);
          declared.put(o.key(), o);
          for (FallbackKey k : o.fallbackKeys()) {
            declared.put(k.getKey(), o);
          }
        }
      }
    }
    assertThat(declared).containsKey("state.backend.type"); // the classes were read
    Set<String> unknown = new HashSet<>(flink.keySet());
    unknown.removeAll(declared.keySet());
    assertThat(unknown).as("keys no Flink 1.20 option declares").isEmpty();
    Configuration conf = Configuration.fromMap(flink);
    for (String key : flink.keySet()) {
      ConfigOption<?> option = declared.get(key);
      assertThat(conf.getOptional(option)).as(key + ": " + flink.get(key)).isPresent();
    }

    assertThat(flink)
        .containsEntry("state.backend.type", "rocksdb")
        .containsEntry("execution.checkpointing.incremental", "true")
        .containsEntry("execution.checkpointing.interval", "30000 ms")
        .containsEntry("state.checkpoints.dir", "s3://features/checkpoints")
        .containsEntry("state.savepoints.dir", "s3://features/checkpoints/savepoints")
        .containsEntry("high-availability.type", "kubernetes")
        .containsEntry("parallelism.default", "2")
        .containsEntry("taskmanager.numberOfTaskSlots", "1")
        .doesNotContainKeys(
            "rest.bind-address", "rest.bind-port", "taskmanager.bind-host", "jobmanager.bind-host");
    // the local job's restart strategy, entry for entry
    Map<String, String> local = LocalFlink.configuration(QuiverConfig.empty(), null, true).toMap();
    local.forEach(
        (k, v) -> {
          if (k.startsWith("restart-strategy.") || k.startsWith("state.backend.rocksdb.")) {
            assertThat(flink).containsEntry(k, v);
          }
        });
  }

  /**
   * A changed configuration changes the deployment's spec (the pod template's hash of the job's
   * quiver.yaml), so that applying it again makes the operator roll the change out; the same
   * configuration gives the same resources.
   */
  @Test
  void aChangedConfigurationChangesTheDeploymentsSpec() {
    ViewDeployment before = ViewDeployment.of(txn, cluster(), null, null);
    ViewDeployment same = ViewDeployment.of(txn, cluster(), null, null);
    ViewDeployment after =
        ViewDeployment.of(txn, clusterWith("kafka.bootstrap-servers", "kafka-2:9092"), null, null);
    assertThat(same.toYaml()).isEqualTo(before.toYaml());
    assertThat(after.deployment().getMetadata().getName())
        .isEqualTo(before.deployment().getMetadata().getName());
    assertThat(after.deployment().getSpec()).isNotEqualTo(before.deployment().getSpec());
    assertThat(after.deployment().getSpec().getPodTemplate().getMetadata().getAnnotations())
        .isNotEqualTo(
            before.deployment().getSpec().getPodTemplate().getMetadata().getAnnotations());
    assertThat(before.deployment().getSpec().getImage())
        .isEqualTo(DeployOptions.IMAGE.defaultValue())
        .isEqualTo(
            ViewDeployment.of(txn, clusterWith("deploy.image", null), null, null)
                .deployment()
                .getSpec()
                .getImage());
    assertThat(
            ViewDeployment.of(txn, clusterWith("deploy.image", "repo/q:2"), null, null)
                .deployment()
                .getSpec()
                .getImage())
        .isEqualTo("repo/q:2");
  }

  @Test
  void namesFollowKubernetesRulesAndAMajorIsOneDeployment() {
    assertThat(KubernetesNames.deploymentName(txn)).isEqualTo("default-user-txn-v3");
    FeatureView revision = txn.withVersion(new Version(3, 1));
    ViewDeployment v31 = ViewDeployment.of(revision, cluster(), null, null);
    assertThat(v31.deployment().getMetadata().getName()).isEqualTo("default-user-txn-v3");
    assertThat(v31.deployment().getSpec().getJob().getArgs())
        .containsExactly("--config", ViewDeployment.CONFIG_FILE, "--view", "default.user_txn:v3.1");
    assertThat(v31.deployment().getMetadata().getLabels())
        .containsEntry("quiver.dev/version", "v3.1");
    assertThat(KubernetesNames.deploymentName(txn.withVersion(Version.of(4))))
        .isEqualTo("default-user-txn-v4");

    String longName = "a".repeat(30) + "_" + "b".repeat(32);
    FeatureView long1 = renamed("fraud_detection", longName);
    FeatureView long2 = renamed("fraud_detection", longName.substring(1) + "x");
    for (FeatureView v : List.of(long1, long2)) {
      String name = KubernetesNames.deploymentName(v);
      assertThat(name).hasSizeLessThanOrEqualTo(45).matches(KubernetesNames.DEPLOYMENT_NAME);
      ViewDeployment d = ViewDeployment.of(v, cluster(), null, null);
      d.deployment()
          .getMetadata()
          .getLabels()
          .values()
          .forEach(
              l -> assertThat(l).hasSizeLessThanOrEqualTo(63).matches(KubernetesNames.LABEL_VALUE));
    }
    assertThat(KubernetesNames.deploymentName(long1))
        .isNotEqualTo(KubernetesNames.deploymentName(long2));
    // where the namespace ends would be ambiguous: a_b.c and a.b_c
    String ab = KubernetesNames.deploymentName(renamed("a_b", "c"));
    String bc = KubernetesNames.deploymentName(renamed("a", "b_c"));
    assertThat(ab).isNotEqualTo(bc).matches(KubernetesNames.DEPLOYMENT_NAME);
    assertThat(bc).isEqualTo("a-b-c-v3");
  }

  /** {@code txn} under another namespace and name. */
  private static FeatureView renamed(String namespace, String name) {
    return FeatureView.builder(name)
        .namespace(namespace)
        .version(txn.version())
        .entities(txn.entities())
        .source(txn.source())
        .features(txn.features())
        .ttl(txn.ttl())
        .build();
  }

  @Test
  void aLocalCheckpointDirectoryIsRefusedNamingTheOptionAndTheFix() {
    assertThatThrownBy(
            () -> ViewDeployment.of(txn, clusterWith("deploy.checkpoint-dir", null), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "deploy.checkpoint-dir (unset: taken from jobs.checkpoint-dir): '.quiver/checkpoints' is a local path")
        .hasMessageContaining("set deploy.checkpoint-dir to shared storage, e.g. s3://");
    assertThatThrownBy(
            () ->
                ViewDeployment.of(
                    txn, clusterWith("deploy.checkpoint-dir", "file:///mnt/ckpt"), null, null))
        .hasMessageStartingWith("deploy.checkpoint-dir: 'file:///mnt/ckpt' is a local path");
    assertThatThrownBy(
            () ->
                ViewDeployment.of(txn, clusterWith("deploy.savepoint-dir", "/tmp/sp"), null, null))
        .hasMessageStartingWith("deploy.savepoint-dir: '/tmp/sp' is a local path");
    // the job's own option, when it is shared, is enough
    assertThat(
            ViewDeployment.of(
                    txn,
                    QuiverConfig.of(
                        Map.of(
                            "registry.type", "postgres",
                            "online.type", "hbase",
                            "offline.warehouse", "hdfs://nn/warehouse",
                            "jobs.checkpoint-dir", "hdfs://nn/checkpoints")),
                    null,
                    null)
                .deployment()
                .getSpec()
                .getFlinkConfiguration())
        .containsEntry("state.checkpoints.dir", "hdfs://nn/checkpoints");
  }

  @Test
  void aViewWithoutAKafkaSourceIsRefusedNamingTheViewAndTheBackfill() {
    assertThatThrownBy(() -> ViewDeployment.of(sessions, cluster(), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "default.user_sessions:v1: source: 'sessions' is an iceberg source; quiver materialize"
                + " runs the streaming job of a view over a Kafka source")
        .hasMessageContaining("quiver backfill user_sessions --from A --to B");
  }

  @Test
  void settingsThePodsCannotUseAreRefusedNamingTheSetting() {
    assertThatThrownBy(
            () -> ViewDeployment.of(txn, clusterWith("registry.type", "embedded"), null, null))
        .hasMessageStartingWith("registry.type: 'embedded' is a database file on this machine")
        .hasMessageContaining("use registry.type: postgres");
    assertThatThrownBy(() -> ViewDeployment.of(txn, clusterWith("online.type", null), null, null))
        .hasMessageStartingWith("online.type: 'embedded' would write default.user_txn:v3's")
        .hasMessageContaining("use online.type: hbase");
    assertThatThrownBy(
            () -> ViewDeployment.of(txn, clusterWith("offline.warehouse", null), null, null))
        .hasMessageStartingWith("offline.warehouse: '.quiver/warehouse' is a local path");
    assertThatThrownBy(
            () ->
                ViewDeployment.of(
                    txn, clusterWith("deploy.taskmanager.memory", "lots"), null, null))
        .hasMessageStartingWith("deploy.taskmanager.memory: 'lots' is not a memory size");
    assertThatThrownBy(
            () -> ViewDeployment.of(txn, clusterWith("deploy.taskmanager.cpu", "0"), null, null))
        .hasMessageStartingWith("deploy.taskmanager.cpu: 0.0 (expected: a number of CPUs above 0");
    assertThatThrownBy(() -> ViewDeployment.of(txn, cluster(), null, "Feature_Store"))
        .hasMessageStartingWith("--namespace: 'Feature_Store' is not a Kubernetes namespace");
  }

  @Test
  void everyDeployOptionIsDocumented() {
    dev.quiver.core.config.ConfigDocsCompletenessTest.assertDocumented(DeployOptions.all());
  }
}
