package dev.quiver.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Ingestion benchmark: Kafka (in-process KRaft broker) → the materialization job (MiniCluster) →
 * the embedded online store + Iceberg, on this machine, load generator included.
 *
 * <ol>
 *   <li>Sustained rate: a backlog of {@code QUIVER_BENCH_EVENTS} (default 1,000,000) transactions
 *       is produced first; the rate is the rows Iceberg commits per second between the first and
 *       the last commit (steady state, job start-up excluded).
 *   <li>Freshness: after catching up, probe events are produced at a steady rate; each probe's lag
 *       is from the producer's send to the moment its row feature is visible through the {@link
 *       FeatureReader}. p50/p95/p99.
 *   <li>Profile: a JFR sampling profile of the sustained phase (top methods and components).
 * </ol>
 *
 * Baseline in the same run: the raw Kafka consume rate of the same backlog (one consumer, bytes
 * only), printed beside the job's rate.
 */
public final class IngestBench {
  public static void main(String[] args) throws Exception {
    int events = Integer.parseInt(env("QUIVER_BENCH_EVENTS", "1000000"));
    Path dir = Files.createTempDirectory("quiver-ingest-bench");
    Path out = Path.of(env("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(out);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("name", "ingest");
    result.put("events", events);
    result.put("store", "embedded");
    result.put("loadAverageAtStart", loadAverage());
    try (KafkaBroker kafka = KafkaBroker.start()) {
      String topic = "bench-transactions";
      kafka.createTopic(topic, 2);
      kafka.createTopic(topic + ".dlq", 1);
      long produceStart = System.nanoTime();
      produceBacklog(kafka, topic, events);
      double produceRate = events / ((System.nanoTime() - produceStart) / 1e9);
      result.put("produceEventsPerSec", Math.round(produceRate));
      double rawConsume = rawConsumeRate(kafka, topic, events);
      result.put("baselineRawConsumeEventsPerSec", Math.round(rawConsume));

      QuiverConfig config =
          QuiverConfig.of(
              Map.of(
                  JobOptions.KAFKA_BOOTSTRAP.key(),
                  kafka.bootstrapServers(),
                  JobOptions.CHECKPOINT_INTERVAL.key(),
                  "2s",
                  JobOptions.CHECKPOINT_DIR.key(),
                  dir.resolve("checkpoints").toString(),
                  JobOptions.PARALLELISM.key(),
                  "2",
                  "online.type",
                  "embedded",
                  "online.embedded.path",
                  dir.resolve("online").toString(),
                  "offline.warehouse",
                  dir.resolve("warehouse").toString()));
      FeatureView view = Transactions.view(topic, true, true);
      StreamExecutionEnvironment env =
          LocalFlink.localEnvironment(LocalFlink.configuration(config, null, false));
      JfrProfile profile = new JfrProfile(dir.resolve("ingest.jfr"));
      JobClient job = Materializer.start(env, view, Transactions.keys(), config);
      Catalog catalog = Materializer.openCatalog(config);
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
      long[] first = null;
      long[] last = null;
      long deadline = System.currentTimeMillis() + 30 * 60_000L;
      while (System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        long rows = committedRows(table);
        long now = System.nanoTime();
        if (rows > 0 && first == null) {
          first = new long[] {now, rows};
        }
        if (rows > 0) {
          last = new long[] {now, rows};
        }
        if (rows >= events * 0.9) { // about 10% are duplicates, too late or malformed
          break;
        }
      }
      Map<String, Object> prof = profile.summary(15);
      if (first == null || last == null || last[0] == first[0]) {
        throw new IllegalStateException("the job committed nothing to Iceberg");
      }
      double rate = (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
      result.put("sustainedEventsPerSec", Math.round(rate));
      result.put("ratioToRawConsume", Math.round(100.0 * rate / rawConsume) / 100.0);
      result.put("target", ">= 100000 events/s");
      result.put("profile", prof);
      result.put("loadAverageAfterSustainedPhase", loadAverage());
      System.out.println(
          "sustained: "
              + result.get("sustainedEventsPerSec")
              + " events/s (raw Kafka consume baseline "
              + result.get("baselineRawConsumeEventsPerSec")
              + " events/s)");

      try (OnlineStore store =
          OnlineStores.open(
              QuiverConfig.of(
                  Map.of(
                      "online.type",
                      "embedded",
                      "online.embedded.path",
                      dir.resolve("online").toString())))) {
        result.put("freshnessMs", freshness(kafka, topic, store, view, 400, 500));
      }
      job.cancel().get();
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    String text = json.writeValueAsString(result);
    System.out.println(text);
    Files.writeString(out.resolve("ingest.json"), text);
  }

  private static long committedRows(Table table) {
    table.refresh();
    Snapshot s = table.currentSnapshot();
    return s == null ? 0 : Long.parseLong(s.summary().getOrDefault("total-records", "0"));
  }

  static void produceBacklog(KafkaBroker kafka, String topic, int events) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("linger.ms", "20");
    props.put("batch.size", "262144");
    props.put("compression.type", "lz4");
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      int chunk = 100_000;
      for (int from = 0; from < events; from += chunk) {
        for (Transactions.Record r :
            Transactions.generateChunk(from, Math.min(chunk, events - from), 11, 20_000)) {
          String user = r.txn() == null ? "x" : r.txn().userId();
          p.send(new ProducerRecord<>(topic, user.getBytes(StandardCharsets.UTF_8), r.bytes()));
        }
      }
      p.flush();
    }
  }

  static double rawConsumeRate(KafkaBroker kafka, String topic, int events) {
    long start = System.nanoTime();
    int n = kafka.countAll(topic);
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Produces probes at {@code perSecond} and measures produce-to-visible-online lag. */
  static Map<String, Object> freshness(
      KafkaBroker kafka,
      String topic,
      OnlineStore store,
      FeatureView view,
      int probes,
      int perSecond)
      throws Exception {
    FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("linger.ms", "0");
    long[] sentAt = new long[probes];
    long[] seenAt = new long[probes];
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < probes; i++) {
      keys.add(EntityKeyCodec.encode(Transactions.keys(), List.of("probe" + i)));
    }
    Random r = new Random(5);
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      long intervalNs = 1_000_000_000L / perSecond;
      long next = System.nanoTime();
      int pendingFrom = 0;
      for (int i = 0; i < probes || pendingFrom < probes; ) {
        long now = System.nanoTime();
        if (i < probes && now >= next) {
          long ts = Instant.now().toEpochMilli();
          String json =
              "{\"txn_id\":\"probe-"
                  + i
                  + "\",\"user_id\":\"probe"
                  + i
                  + "\",\"merchant\":\"m"
                  + r.nextInt(8)
                  + "\",\"amount\":"
                  + (i + 1)
                  + ".0,\"ts\":"
                  + ts
                  + "}";
          sentAt[i] = System.nanoTime();
          p.send(new ProducerRecord<>(topic, json.getBytes(StandardCharsets.UTF_8)));
          i++;
          next += intervalNs;
          continue;
        }
        // poll the probes sent so far and not yet seen
        List<Integer> pending = new ArrayList<>();
        for (int j = pendingFrom; j < i; j++) {
          if (seenAt[j] == 0) {
            pending.add(j);
          }
        }
        if (pending.isEmpty()) {
          pendingFrom = i;
          if (i >= probes) {
            break;
          }
          Thread.onSpinWait();
          continue;
        }
        List<byte[]> batch = pending.stream().map(keys::get).toList();
        List<EntityFeatures> got = reader.read(view, List.of("last_amount"), batch, null).get();
        long seen = System.nanoTime();
        for (int k = 0; k < pending.size(); k++) {
          FeatureValue v = got.get(k).features().get("last_amount");
          if (v != null && v.value() != null) {
            seenAt[pending.get(k)] = seen;
          }
        }
        while (pendingFrom < i && seenAt[pendingFrom] != 0) {
          pendingFrom++;
        }
        if (pendingFrom < probes
            && sentAt[pendingFrom] != 0
            && System.nanoTime() - sentAt[pendingFrom] > 30_000_000_000L) {
          break; // a probe never showed up: reported below as missing
        }
        Thread.sleep(2);
      }
    }
    double[] lags = Arrays.stream(seenAt).filter(x -> x != 0).mapToDouble(x -> x).toArray();
    double[] ms = new double[lags.length];
    int n = 0;
    for (int i = 0; i < probes; i++) {
      if (seenAt[i] != 0) {
        ms[n++] = (seenAt[i] - sentAt[i]) / 1e6;
      }
    }
    Arrays.sort(ms, 0, n);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("probes", probes);
    out.put("seen", n);
    out.put("p50", pct(ms, n, 0.50));
    out.put("p95", pct(ms, n, 0.95));
    out.put("p99", pct(ms, n, 0.99));
    out.put("max", n == 0 ? null : ms[n - 1]);
    out.put("target", "p99 < 1000 ms");
    return out;
  }

  private static Double pct(double[] sorted, int n, double q) {
    if (n == 0) {
      return null;
    }
    return Math.round(sorted[Math.min(n - 1, (int) Math.ceil(q * n) - 1)] * 10) / 10.0;
  }

  /** The machine's 1-minute load average: other work on the 2 cores skews every figure here. */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? def : v;
  }
}
