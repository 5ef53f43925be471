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
 *   <li>Sustained rate: a backlog of {@code QUIVER_BENCH_EVENTS} (default 500,000) transactions is
 *       produced first; the rate is the rows Iceberg commits per second between the first commit
 *       after a warm-up ({@code QUIVER_BENCH_WARMUP_MS}, default 20 s after the first commit) and
 *       the last commit, over at most {@code QUIVER_BENCH_MEASURE_MS} (default 90 s). Checkpoints
 *       (Iceberg commits) every {@code QUIVER_BENCH_CHECKPOINT_INTERVAL} (default 5 s, the job's
 *       default). {@code QUIVER_BENCH_PARALLELISM} (default 2) and {@code QUIVER_BENCH_MINI_BATCH}
 *       (a duration; default: the job's default) vary the job.
 *   <li>CPU: process CPU time per event over the same interval, and its split over thread groups
 *       (task threads, RocksDB background threads, online store writers...), see {@link ThreadCpu};
 *       on a shared machine this is steadier than the rate.
 *   <li>Freshness: a second job starts at the end of the topic; probe events are produced at a
 *       steady rate; each probe's lag is from the producer's send to the moment its row feature is
 *       visible through the {@link FeatureReader}. p50/p95/p99.
 *   <li>Profile: a JFR sampling profile of the sustained phase (top methods and components).
 *   <li>Flink state: RocksDB native metrics of the dedup and tile states ({@link RocksDbMetrics}),
 *       their mean/max (properties) or delta (statistics) over the measured interval, and a 5 s
 *       timeline with the tile aggregation task's CPU per committed row. {@code
 *       QUIVER_BENCH_FLINK_MANAGED_MEMORY} and {@code QUIVER_BENCH_FLINK_CONF} ({@code
 *       key=value;...}) change the Flink configuration for A/B runs.
 * </ol>
 *
 * Baselines in the same run: the raw Kafka consume rate of the same backlog (one consumer, bytes
 * only), and the {@link FlinkFloor} (the job's Kafka source and decode into a discarding sink, with
 * and without one keyBy; {@code QUIVER_BENCH_FLOOR=false} skips it), each printed beside the job's
 * rate as a ratio. {@link HBaseIngestBench} runs the same against an HBase mini-cluster.
 */
public final class IngestBench {
  /** Longest sustained phase measured (keeps the benchmark within a few minutes). */
  static final long MEASURE_MS = Long.parseLong(env("QUIVER_BENCH_MEASURE_MS", "90000"));

  /**
   * Distinct users the events are spread over (default 20,000: sparse entities, about 10 events per
   * user per day of event time); fewer users make hot entities.
   */
  static final int USERS = Integer.parseInt(env("QUIVER_BENCH_USERS", "20000"));

  /** Time from the first Iceberg commit to the start of the measurement. */
  static final long WARMUP_NS = Long.parseLong(env("QUIVER_BENCH_WARMUP_MS", "20000")) * 1_000_000L;

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("quiver-ingest-bench");
    try {
      Map<String, String> online =
          Map.of(
              "online.type", "embedded", "online.embedded.path", dir.resolve("online").toString());
      run("ingest", "embedded", dir, online);
    } finally {
      deleteWorkDir(dir);
    }
  }

  /**
   * Deletes a run's work directory (online store, warehouse, checkpoints, JFR recording: about 650
   * MB for the default backlog), which every run left in the temp directory; {@code
   * QUIVER_BENCH_KEEP_DIR=true} keeps it (e.g. to open {@code ingest.jfr} with {@code jfr}).
   */
  static void deleteWorkDir(Path dir) {
    dev.quiver.core.testing.BenchWorkDir.delete(dir);
  }

  /**
   * Runs the benchmark with the online store configured by {@code online} ({@code online.*} keys)
   * and writes {@code <name>.json}.
   */
  static Map<String, Object> run(String name, String store, Path dir, Map<String, String> online)
      throws Exception {
    int events = Integer.parseInt(env("QUIVER_BENCH_EVENTS", "500000"));
    Path out = Path.of(env("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(out);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("name", name);
    result.put("events", events);
    result.put("users", USERS);
    result.put("store", store);
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
      // The Flink floor: the same source and decode into a discarding sink, same parallelism.
      FeatureView view = Transactions.view(topic, true, true);
      Map<String, Object> floor =
          "false".equals(env("QUIVER_BENCH_FLOOR", "true"))
              ? Map.of()
              : FlinkFloor.run(kafka.bootstrapServers(), topic, events, view, Transactions.keys());
      result.put("flinkFloor", floor);

      Map<String, String> settings = new HashMap<>(online);
      settings.put(JobOptions.KAFKA_BOOTSTRAP.key(), kafka.bootstrapServers());
      settings.put(
          JobOptions.CHECKPOINT_INTERVAL.key(), env("QUIVER_BENCH_CHECKPOINT_INTERVAL", "5s"));
      settings.put(JobOptions.CHECKPOINT_DIR.key(), dir.resolve("checkpoints").toString());
      settings.put(JobOptions.PARALLELISM.key(), env("QUIVER_BENCH_PARALLELISM", "2"));
      settings.put("offline.warehouse", dir.resolve("warehouse").toString());
      // The backlog's event times run 0.4 s apart from yesterday 00:00 UTC, so 500,000 events
      // reach up to a day past the time they are produced: the future check would reject them.
      settings.put(JobOptions.EVENT_TIME_MAX_AHEAD.key(), "0s");
      String miniBatch = System.getenv("QUIVER_BENCH_MINI_BATCH");
      if (miniBatch != null && !miniBatch.isBlank()) {
        settings.put(JobOptions.MINI_BATCH_LATENCY.key(), miniBatch);
      }
      QuiverConfig config = QuiverConfig.of(settings);
      result.put("parallelism", config.get(JobOptions.PARALLELISM));
      result.put(
          "checkpointInterval", config.get(JobOptions.CHECKPOINT_INTERVAL).toMillis() + " ms");
      result.put("miniBatchLatency", config.get(JobOptions.MINI_BATCH_LATENCY).toMillis() + " ms");
      // With the restart strategy quiver materialize and quiver local run with: a transient
      // failure (an HBase write timing out on a loaded machine) costs a restart, not the run.
      org.apache.flink.configuration.Configuration flinkConf =
          LocalFlink.configuration(config, null, true);
      RocksDbMetrics.enable(flinkConf);
      // A/B knob for the RocksDB block cache + write buffers of Flink's state (default: the job's).
      String managed = System.getenv("QUIVER_BENCH_FLINK_MANAGED_MEMORY");
      if (managed != null && !managed.isBlank()) {
        flinkConf.setString("taskmanager.memory.managed.size", managed);
        result.put("flinkManagedMemory", managed);
      }
      // A/B knob for any Flink setting: QUIVER_BENCH_FLINK_CONF="key=value;key=value".
      String extra = System.getenv("QUIVER_BENCH_FLINK_CONF");
      if (extra != null && !extra.isBlank()) {
        for (String kv : extra.split(";")) {
          int eq = kv.indexOf('=');
          flinkConf.setString(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        result.put("flinkConf", extra);
      }
      StreamExecutionEnvironment env = LocalFlink.localEnvironment(flinkConf);
      RocksDbMetrics.Sampler rocksdb = new RocksDbMetrics.Sampler();
      List<Map<String, Object>> rocksdbTimeline = new ArrayList<>();
      long lastSample = 0;
      int samples = 0;
      Map<String, Double> prevPoint = null;
      long prevRows = 0;
      long prevCpu = 0;
      JfrProfile profile = new JfrProfile(dir.resolve("ingest.jfr"));
      JobClient job = Materializer.start(env, view, Transactions.keys(), config);
      JobWatch watch = new JobWatch(job, name);
      Catalog catalog = Materializer.openCatalog(config);
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
      long[] first = null;
      long[] last = null;
      Map<String, Double> threadsAtFirst = null;
      Map<String, Double> threadsAtLast = null;
      long deadline = System.currentTimeMillis() + 30 * 60_000L;
      long seenRows = 0;
      long started = 0;
      while (System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        watch.check();
        long rows = committedRows(table);
        long now = System.nanoTime();
        if (rows > 0 && started == 0) {
          started = now;
        }
        // The measurement starts at the first commit after a warm-up (JIT, RocksDB levels).
        if (started != 0 && first == null && rows > seenRows && now - started >= WARMUP_NS) {
          first = new long[] {now, rows, ThreadCpu.processCpuNanos()};
          threadsAtFirst = ThreadCpu.snapshot();
        }
        if (started != 0 && now - lastSample >= 1_000_000_000L) {
          Map<String, Double> sample = RocksDbMetrics.sample();
          if (first != null) {
            rocksdb.add(sample);
          }
          if (rocksdbTimeline.size() < 100 && samples++ % 5 == 0) {
            Map<String, Object> point =
                RocksDbMetrics.timelinePoint((now - started) / 1000_000, rows, sample);
            // CPU per committed row of the tile aggregation task and of the process since the
            // previous point: does the cost per event drift as the state grows?
            Map<String, Double> threadsNow = ThreadCpu.snapshot();
            long cpuNow = ThreadCpu.processCpuNanos();
            if (prevPoint != null && rows > prevRows) {
              double aggUs =
                  1e6
                      * (threadsNow.getOrDefault("GroupAggregate[", 0.0)
                          - prevPoint.getOrDefault("GroupAggregate[", 0.0))
                      / (rows - prevRows);
              point.put("tileTaskUsPerRow", Math.round(aggUs));
              point.put(
                  "processUsPerRow", Math.round((cpuNow - prevCpu) / 1e3 / (rows - prevRows)));
            }
            point.put(
                "blockCacheMissesSoFar", RocksDbMetrics.sumOf(sample, "rocksdb.block_cache_miss"));
            point.put(
                "blockCacheHitsSoFar", RocksDbMetrics.sumOf(sample, "rocksdb.block_cache_hit"));
            prevPoint = threadsNow;
            prevRows = rows;
            prevCpu = cpuNow;
            rocksdbTimeline.add(point);
          }
          lastSample = now;
        }
        if (rows > seenRows) {
          last = new long[] {now, rows, ThreadCpu.processCpuNanos()};
          threadsAtLast = ThreadCpu.snapshot();
          seenRows = rows;
        }
        if (rows >= events * 0.9 // about 10% are duplicates, too late or malformed
            || (first != null && (now - first[0]) / 1_000_000 > MEASURE_MS)) {
          break;
        }
      }
      Map<String, Object> prof = profile.summary(15);
      if (first == null || last == null || last[0] == first[0]) {
        throw new IllegalStateException("the job committed nothing to Iceberg");
      }
      double rate = (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
      result.put("measuredRows", last[1] - first[1]);
      result.put("jobRestarts", watch.restarts());
      result.put("sustainedEventsPerSec", Math.round(rate));
      result.put("ratioToRawConsume", Math.round(1000.0 * rate / rawConsume) / 1000.0);
      // without a floor run (QUIVER_BENCH_FLOOR=false) the ratios are left out, not null
      putIfPresent(result, "ratioToFlinkFloor", floorRatio(floor, "decode", rate));
      putIfPresent(result, "ratioToFlinkFloorKeyBy", floorRatio(floor, "decodeKeyBy", rate));
      result.put("target", ">= 100000 events/s");
      // CPU time per event (the whole process: job, broker, bench), steadier than the rate when
      // other work shares the machine.
      double cpuMicrosPerEvent = (last[2] - first[2]) / 1000.0 / (last[1] - first[1]);
      result.put("cpuMicrosPerEvent", Math.round(cpuMicrosPerEvent * 10) / 10.0);
      result.put("eventsPerCpuSecond", Math.round(1e6 / cpuMicrosPerEvent));
      Map<String, Object> threads = ThreadCpu.delta(threadsAtFirst, threadsAtLast, 15);
      result.put("threadCpu", threads);
      // The JIT compiler threads are busy for minutes when the machine is overloaded; without
      // them the figure is closer to a warmed-up job's cost.
      double jitShare = ThreadCpu.share(threads, "C# CompilerThre");
      result.put(
          "cpuMicrosPerEventWithoutJit",
          Math.round(cpuMicrosPerEvent * (1 - jitShare / 100) * 10) / 10.0);
      result.put("profile", prof);
      result.put("rocksdbMeasured", rocksdb.summary());
      result.put("rocksdbTimeline", rocksdbTimeline);
      result.put("loadAverageAfterSustainedPhase", loadAverage());
      System.out.println(
          "sustained ("
              + store
              + "): "
              + result.get("sustainedEventsPerSec")
              + " events/s (raw Kafka consume baseline "
              + result.get("baselineRawConsumeEventsPerSec")
              + " events/s, ratio "
              + result.get("ratioToRawConsume")
              + "; "
              + floorRatios(result)
              + (watch.restarts() == 0 ? "" : "; the job restarted " + watch.restarts() + "x")
              + ")");
      // Freshness is measured on a caught-up job: the backlog job stops, and a new one starts at
      // the end of the topic (the probes then measure latency, not the queue).
      job.cancel().get();
      settings.put(JobOptions.STARTING_OFFSETS.key(), "latest");
      settings.put(JobOptions.CHECKPOINT_DIR.key(), dir.resolve("checkpoints-live").toString());
      QuiverConfig live = QuiverConfig.of(settings);
      JobClient liveJob =
          Materializer.start(
              LocalFlink.localEnvironment(LocalFlink.configuration(live, null, true)),
              view,
              Transactions.keys(),
              live);
      try (OnlineStore reader = OnlineStores.open(QuiverConfig.of(online))) {
        awaitLive(kafka, topic, reader, view);
        result.put("freshnessMs", freshness(kafka, topic, reader, view, 400, 500));
      }
      liveJob.cancel().get();
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    String text = json.writeValueAsString(result);
    System.out.println(text);
    Files.writeString(out.resolve(name + ".json"), text);
    return result;
  }

  private static void putIfPresent(Map<String, Object> result, String key, Object value) {
    if (value != null) {
      result.put(key, value);
    }
  }

  /**
   * The Flink floor ratios as the summary line shows them: {@code Flink floor not run} without a
   * floor (it printed "Flink floor ratio null"), {@code n/a} for a variant that measured no rate.
   */
  static String floorRatios(Map<String, Object> result) {
    Map<?, ?> floor = (Map<?, ?>) result.get("flinkFloor");
    if (floor == null || floor.isEmpty()) {
      return "Flink floor not run";
    }
    return "Flink floor ratio "
        + result.getOrDefault("ratioToFlinkFloor", "n/a")
        + ", with keyBy "
        + result.getOrDefault("ratioToFlinkFloorKeyBy", "n/a");
  }

  /** {@code rate} as a fraction of a floor variant's events/s, or null without a floor. */
  @SuppressWarnings("unchecked")
  private static Double floorRatio(Map<String, Object> floor, String variant, double rate) {
    Object v = floor.get(variant);
    Object r = v == null ? null : ((Map<String, Object>) v).get("eventsPerSec");
    return r == null ? null : Math.round(1000.0 * rate / ((Number) r).doubleValue()) / 1000.0;
  }

  /** Produces a warm-up event every second until the live job has written it online. */
  static void awaitLive(KafkaBroker kafka, String topic, OnlineStore store, FeatureView view)
      throws Exception {
    FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
    List<byte[]> key = List.of(EntityKeyCodec.encode(Transactions.keys(), List.of("warmup")));
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      long deadline = System.currentTimeMillis() + 120_000L;
      for (int i = 0; System.currentTimeMillis() < deadline; i++) {
        String json =
            "{\"txn_id\":\"warmup-"
                + i
                + "\",\"user_id\":\"warmup\",\"merchant\":\"m0\",\"amount\":1.0,\"ts\":"
                + Instant.now().toEpochMilli()
                + "}";
        p.send(new ProducerRecord<>(topic, json.getBytes(StandardCharsets.UTF_8))).get();
        Thread.sleep(1000);
        FeatureValue v =
            reader
                .read(view, List.of("last_amount"), key, null)
                .get()
                .get(0)
                .features()
                .get("last_amount");
        if (v != null && v.value() != null) {
          return;
        }
      }
    }
    throw new IllegalStateException("the live job wrote nothing online within 120 s");
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
            Transactions.generateChunk(from, Math.min(chunk, events - from), 11, USERS)) {
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

  static String env(String key, String def) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? def : v;
  }
}
