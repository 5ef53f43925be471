package dev.quiver.jobs.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar ({@code jobs-dist/target/quiver-jobs-VERSION-job.jar}, built by {@code package}),
 * submitted unchanged with {@code flink run -d -c dev.quiver.jobs.MaterializationJob JAR --config
 * quiver.yaml --view VIEW} to a Flink 1.20 standalone session cluster in child JVMs whose class
 * path is Flink's alone ({@link FlinkSessionCluster}): the job reads a real Kafka broker, writes
 * the embedded online store and Iceberg on a temp dir, and both equal the plain reference of the
 * jobs' ITCases. Proves the jar holds what the job needs beside Flink (Quiver, the Kafka connector,
 * Iceberg, Hadoop, the online stores, the registry), that its META-INF/services are merged (the
 * Kafka and Iceberg table factories, the online store SPI, the registry store), and that it loads
 * in Flink's child-first user code class loader.
 */
class JobJarOnClusterITCase {
  private static final Pattern SUBMITTED =
      Pattern.compile("Job has been submitted with JobID ([0-9a-f]{32})");

  @TempDir Path tmp;

  @Test
  void flinkRunOfTheJobJarMaterializesLikeTheReference() throws Exception {
    Path jar = Path.of(System.getProperty("quiver.job-jar", "missing"));
    assertThat(jar).as("the job jar (mvn package -pl jobs-dist -am)").isRegularFile();
    try (JarFile j = new JarFile(jar.toFile())) {
      assertThat(j.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.quiver.jobs.MaterializationJob");
      // the cluster provides Flink and RocksDB: neither is in the jar (a second org.rocksdb would
      // fail to load its JNI library in the user code class loader)
      assertThat(
              j.getEntry(
                  "org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class"))
          .isNull();
      assertThat(j.getEntry("org/rocksdb/RocksDB.class")).isNull();
      // the job's own dependencies are in it, and the merged service files list every provider
      assertThat(j.getEntry("org/apache/iceberg/flink/FlinkCatalogFactory.class")).isNotNull();
      assertThat(service(j, "org.apache.flink.table.factories.Factory"))
          .contains(
              "org.apache.iceberg.flink.FlinkDynamicTableFactory",
              "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory",
              "dev.quiver.jobs.sink.OnlineSinkFactory");
      assertThat(service(j, "org.apache.flink.table.factories.TableFactory"))
          .contains("org.apache.iceberg.flink.FlinkCatalogFactory");
      assertThat(service(j, "dev.quiver.online.OnlineStoreFactory")).hasSizeGreaterThan(1);
    }

    long t0 = System.nanoTime();
    FeatureView view = Transactions.view("txn-jobjar", true, true);
    String topic = view.source().option("topic");
    Path warehouse = tmp.resolve("warehouse");
    Path online = tmp.resolve("online");
    Reference ref;
    try (KafkaBroker kafka = KafkaBroker.start();
        FlinkSessionCluster flink = FlinkSessionCluster.start(tmp.resolve("flink"), 2)) {
      phase("cluster up", t0);
      // the cluster's JVMs have Flink's (and Hadoop's) jars, nothing of Quiver or the job's
      // dependencies
      assertThat(flink.classPath())
          .isNotEmpty()
          .noneMatch(
              e ->
                  e.contains("/dev/quiver/")
                      || e.contains("target/classes")
                      || e.contains("target/test-classes")
                      || e.contains("/org/apache/iceberg/")
                      || e.contains("/org/apache/kafka/")
                      || e.contains("flink-connector-kafka"));

      kafka.createTopic(topic, 1);
      kafka.createTopic(topic + ".dlq", 1);
      List<Reference.Sent> log =
          MaterializationHarness.produce(
              kafka.bootstrapServers(), topic, Transactions.generate(1200, 20));
      ref = MaterializationHarness.reference(log);

      Path quiverYaml = tmp.resolve("quiver.yaml");
      Files.writeString(
          quiverYaml,
          String.join(
              "\n",
              "registry.path: " + tmp.resolve("registry"),
              "online.type: embedded",
              "online.embedded.path: " + online,
              "offline.warehouse: " + warehouse,
              "kafka.bootstrap-servers: " + kafka.bootstrapServers(),
              "jobs.checkpoint-interval: 1s",
              "jobs.checkpoint-dir: " + tmp.resolve("checkpoints"),
              ""));
      QuiverConfig config = QuiverConfig.load(quiverYaml);
      try (FeatureRegistry registry = FeatureRegistries.open(config)) {
        registry.apply(
            new FeatureRegistry.SpecBundle(
                List.of(), List.of(view.source()), List.of(view), List.of()),
            "JobJarOnClusterITCase",
            false);
      }

      // what a user types: flink run -d -c MaterializationJob JAR --config ... --view ...
      Process client =
          flink.flinkRun(
              List.of(
                  "-d",
                  "-c",
                  "dev.quiver.jobs.MaterializationJob",
                  jar.toString(),
                  "--config",
                  quiverYaml.toString(),
                  "--view",
                  "default." + view.name()));
      boolean exited = client.waitFor(120, TimeUnit.SECONDS);
      assertThat(exited)
          .as("flink run -d returned once the job was submitted" + flink.logTails())
          .isTrue();
      assertThat(client.exitValue()).as("flink run's exit code" + flink.logTails()).isZero();
      Matcher submitted = SUBMITTED.matcher(flink.clientOutput());
      assertThat(submitted.find()).as("flink run printed the job id" + flink.logTails()).isTrue();
      String jobId = submitted.group(1);
      phase("flink run -d returned", t0);

      // the client has exited: the job runs on the cluster
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () ->
                  assertThat(flink.jobState(jobId))
                      .as("the job on the cluster" + flink.logTails())
                      .isEqualTo("RUNNING"));
      phase("job running on the cluster", t0);
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        Table table = catalog.loadTable(OfflineTables.identifier(view));
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  assertThat(flink.jobState(jobId)).isEqualTo("RUNNING");
                  assertThat(IcebergRows.count(table))
                      .as("Iceberg rows committed by the job")
                      .isGreaterThanOrEqualTo(ref.accepted.size());
                });
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> kafka.readAll(topic + ".dlq").size() >= ref.rejected.size());
        phase("caught up", t0);
        flink.cancel(jobId);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> flink.jobState(jobId).equals("CANCELED"));
        table.refresh();
        assertThat(IcebergRows.read(table)).isEqualTo(IcebergRows.expected(ref));
      }
      assertThat(kafka.readAll(topic + ".dlq")).hasSize(ref.rejected.size());
    }
    // the cluster's JVMs are gone: the embedded store is free to open here
    try (OnlineStore store =
        OnlineStores.open(
            QuiverConfig.of(
                Map.of("online.type", "embedded", "online.embedded.path", online.toString())))) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      assertThat(compared).isGreaterThan(500);
    }
    phase("compared", t0);
  }

  /** Where the time goes (the test's output file), e.g. on a loaded machine. */
  private static void phase(String what, long t0) {
    System.out.printf(
        "JobJarOnClusterITCase: %s after %.1f s (load average %.1f)%n",
        what,
        (System.nanoTime() - t0) / 1e9,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** The providers a jar's merged {@code META-INF/services/TYPE} lists. */
  private static List<String> service(JarFile jar, String type) throws java.io.IOException {
    var entry = jar.getEntry("META-INF/services/" + type);
    assertThat(entry).as("META-INF/services/" + type).isNotNull();
    try (var in = jar.getInputStream(entry)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .lines()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    }
  }
}
