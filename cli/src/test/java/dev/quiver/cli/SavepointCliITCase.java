package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.jobs.Materializer;
import dev.quiver.kafka.EmbeddedKafka;
import dev.quiver.savepoints.StateSnapshot;
import dev.quiver.savepoints.StateSnapshots;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The commands as a user runs them, on a real broker: {@code quiver materialize} prints its local
 * cluster's {@code flink:} URL, {@code quiver savepoint trigger --stop} stops its job with a
 * savepoint (materialize then exits 0), {@code inspect --json} reports the owner and the offsets
 * the job consumed, {@code list} shows it, and {@code quiver savepoint restore} continues from it:
 * in the end every event produced is in Iceberg exactly once.
 */
class SavepointCliITCase extends CliTestSupport {
  private static EmbeddedKafka kafka;
  private static final Pattern FLINK = Pattern.compile("flink: (http://127\\.0\\.0\\.1:\\d+)");
  private static final Instant T0 =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopic("clicks", 1);
    kafka.createTopic("clicks.dlq", 1);
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /** A long-running command on another thread, its stdout readable while it runs. */
  record Running(CompletableFuture<Integer> code, StringWriter out, StringWriter err) {}

  Running start(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--set", "quiver.data-dir=" + dir.resolve("data")));
    all.addAll(List.of("--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers()));
    all.addAll(List.of(args));
    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(
            () ->
                QuiverCli.commandLine()
                    .setOut(new PrintWriter(out, true))
                    .setErr(new PrintWriter(err, true))
                    .execute(all.toArray(String[]::new)));
    return new Running(code, out, err);
  }

  static String flinkUrl(Running r) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .failFast(() -> r.code().isDone())
        .until(() -> FLINK.matcher(r.out().toString()).find());
    Matcher m = FLINK.matcher(r.out().toString());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** Waits until a completed checkpoint of the job's has read the topic up to {@code offset}. */
  void awaitCheckpointAt(long offset) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              List<StateSnapshot> found =
                  StateSnapshots.list(
                          dir.resolve("data/checkpoints").toString(),
                          dir.resolve("data/savepoints").toString(),
                          "default",
                          "user_pages")
                      .snapshots();
              return !found.isEmpty()
                  && !found.get(0).savepoint()
                  && found.get(0).offsets().size() == 1
                  && found.get(0).offsets().get(0).offset() == offset;
            });
  }

  static void produce(int from, int to) throws Exception {
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        String json =
            "{\"user_id\":\"u"
                + (i % 7)
                + "\",\"page\":\"p"
                + i
                + "\",\"dwell_ms\":"
                + i
                + ",\"event_time\":\""
                + T0.plusSeconds(i)
                + "\"}";
        p.send(new ProducerRecord<>("clicks", json.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  String savepointOf(Run r) {
    Matcher m = Pattern.compile("savepoint: (\\S+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return m.group(1);
  }

  JsonNode inspect(String path) throws Exception {
    return new ObjectMapper().readTree(ok("savepoint", "inspect", path, "--json").out());
  }

  @Test
  void materializeTriggerInspectListRestore() throws Exception {
    ok("apply", dir.resolve("base.yaml").toString());
    ok("apply", spec("v1.yaml", view("v1", "a@example.com", "last_page")).toString());
    produce(0, 50);

    Running first = start("materialize", "user_pages");
    String url = flinkUrl(first);
    awaitCheckpointAt(50);
    Run stopped = ok("savepoint", "trigger", "user_pages", "--flink", url, "--stop");
    assertThat(stopped.out())
        .startsWith("Stopping quiver-materialize-default.user_pages-v1 (job ")
        .contains("The job stopped.")
        .contains("Restore: quiver savepoint restore default.user_pages file:");
    assertThat(first.code().get(60, java.util.concurrent.TimeUnit.SECONDS))
        .as(first.err().toString())
        .isZero();
    String savepoint = savepointOf(stopped);

    JsonNode json = inspect(savepoint);
    assertThat(json.path("kind").asText()).isEqualTo("savepoint");
    assertThat(json.path("owners").toString()).isEqualTo("[\"default.user_pages:v1\"]");
    assertThat(json.path("kafka_offsets").toString())
        .isEqualTo("[{\"topic\":\"clicks\",\"partition\":0,\"offset\":50}]");
    Run list = ok("savepoint", "list", "user_pages");
    assertThat(list.out()).contains("savepoint ").contains(savepoint);

    produce(50, 80);
    Running restored = start("savepoint", "restore", "user_pages", savepoint);
    String url2 = flinkUrl(restored);
    awaitCheckpointAt(80);
    Run again = ok("savepoint", "trigger", "user_pages:v1", "--flink", url2, "--stop");
    assertThat(restored.code().get(60, java.util.concurrent.TimeUnit.SECONDS))
        .as(restored.err().toString())
        .isZero();
    assertThat(inspect(savepointOf(again)).path("kafka_offsets").get(0).path("offset").asLong())
        .isEqualTo(80);

    // every event once: the restore neither re-read the first 50 nor skipped any
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("data/warehouse").toString()));
    Catalog catalog = Materializer.openCatalog(config);
    Table table =
        catalog.loadTable(
            org.apache.iceberg.catalog.TableIdentifier.of(
                org.apache.iceberg.catalog.Namespace.of("default"), "user_pages_v1"));
    List<String> pages = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      rows.forEach(r -> pages.add((String) r.getField("last_page")));
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      expected.add("p" + i);
    }
    assertThat(pages).containsExactlyInAnyOrderElementsOf(expected);
  }
}
