package dev.quiver.online.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.OnlineWrite;
import dev.quiver.online.ViewTableId;
import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Raw online-store read latency and throughput: multiGet of 1 key × 5 features and of 100-key
 * batches, and a FeatureReader read (3 row features + a 7d count and a 1d sum merged from tiles),
 * on the embedded store and (unless {@code --no-hbase}) on an HBase mini-cluster in this JVM.
 * Closed loop: one caller for latency, 4 concurrent callers for throughput. Writes {@code
 * raw-store.json} under {@code QUIVER_BENCH_DIR} (default {@code target/bench}).
 */
public final class RawStoreBench {
  private static final JoinKey USER = new JoinKey("user_id", FeatureType.STRING);
  private static final List<String> ROW_FEATURES = List.of("f1", "f2", "f3", "f4", "f5");
  private static final Map<String, Object> RESULTS = new LinkedHashMap<>();

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static void main(String[] args) throws Exception {
    List<String> argv = Arrays.asList(args);
    if (argv.contains("--hbase-child")) {
      // the HBase part, in a child JVM whose classpath holds only the mini-cluster's HBase jar
      Map<String, Object> r;
      try (HBaseMiniClusterFixture cluster = HBaseMiniClusterFixture.start();
          OnlineStore store =
              OnlineStores.open(
                  cluster
                      .config("quiver_bench")
                      .with("online.hbase.rpc-timeout", "30s")
                      .with("online.hbase.operation-timeout", "120s")
                      .with("online.hbase.properties.hbase.client.retries.number", "10"))) {
        r = run(store, Integer.getInteger("quiver.bench.hbase-keys", 20_000));
      }
      JSON.writeValue(Path.of(argv.get(argv.indexOf("--hbase-child") + 1)).toFile(), r);
      ChildJvm.markDone(); // the parent ends this JVM (the mini-cluster's threads stay behind)
      return;
    }
    RESULTS.put("machine_load_average_at_start", loadAverage());
    Path dir = Files.createTempDirectory("raw-store-bench");
    try (OnlineStore embedded =
        OnlineStores.open(
            dev.quiver.core.config.QuiverConfig.of(
                Map.of("online.type", "embedded", "online.embedded.path", dir.toString())))) {
      RESULTS.put("embedded", run(embedded, Integer.getInteger("quiver.bench.keys", 50_000)));
    } finally {
      dev.quiver.core.testing.BenchWorkDir.delete(dir);
    }
    if (!argv.contains("--no-hbase")) {
      RESULTS.put("hbase", hbaseInChildJvm());
    }
    RESULTS.put("machine_load_average_at_end", loadAverage());
    Path out = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(out);
    JSON.writeValue(out.resolve("raw-store.json").toFile(), RESULTS);
    System.out.println("wrote " + out.resolve("raw-store.json"));
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** Runs the HBase part in a child JVM ({@link ChildJvm}) and reads its results back. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> hbaseInChildJvm() {
    Path result = null;
    try {
      result = Files.createTempFile("raw-store-hbase", ".json");
      int code =
          ChildJvm.run(
              RawStoreBench.class,
              List.of("--hbase-child", result.toString()),
              Duration.ofMinutes(15));
      if (code != 0) {
        return Map.of(
            "error",
            "the HBase child JVM failed (" + (code < 0 ? "timeout" : "exit " + code) + ")");
      }
      return JSON.readValue(result.toFile(), Map.class);
    } catch (Exception e) {
      return Map.of("error", e.toString());
    } finally {
      if (result != null) {
        dev.quiver.core.testing.BenchWorkDir.delete(result);
      }
    }
  }

  private static FeatureView view() {
    List<Feature> features = new ArrayList<>();
    ROW_FEATURES.forEach(f -> features.add(Feature.row(f, FeatureType.FLOAT64)));
    features.add(
        new Feature(
            "count_7d",
            FeatureType.INT64,
            "",
            null,
            new Aggregation("*", AggregationFunction.COUNT, Duration.ofDays(7), 0),
            Map.of()));
    features.add(
        new Feature(
            "sum_1d",
            FeatureType.FLOAT64,
            "",
            null,
            new Aggregation("f1", AggregationFunction.SUM, Duration.ofDays(1), 0),
            Map.of()));
    return FeatureView.builder("bench")
        .entities(List.of("user"))
        .ttl(Duration.ofDays(30))
        .features(features)
        .build();
  }

  private static Map<String, Object> run(OnlineStore store, int keys) {
    String kind = store.kind();
    FeatureView view = view();
    FeatureWriter writer = new FeatureWriter(store, view);
    writer.ensureTable();
    ViewTableId table = writer.table();
    long now = System.currentTimeMillis();
    Random rnd = new Random(1);
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    List<OnlineWrite> batch = new ArrayList<>();
    long cells = 0;
    for (int k = 0; k < keys; k++) {
      byte[] key = EntityKeyCodec.encode(USER, "user-" + k);
      for (String f : ROW_FEATURES) {
        batch.add(
            new OnlineWrite(
                table,
                key,
                f,
                now - rnd.nextInt(3_600_000),
                ValueCodec.encode(FeatureType.FLOAT64, rnd.nextDouble())));
      }
      if (k % 10 == 0) { // a tenth of the keys get a week of activity, 20 events a day
        batch.addAll(activity(writer, key, now, rnd));
      }
      if (batch.size() >= 2_000) {
        cells += batch.size();
        pending.add(store.multiPut(batch));
        batch = new ArrayList<>();
        if (pending.size() > 2) {
          pending.remove(0).join();
        }
      }
    }
    cells += batch.size();
    pending.add(store.multiPut(batch));
    pending.forEach(CompletableFuture::join);
    double loadSecs = (System.nanoTime() - t0) / 1e9;
    if (store instanceof dev.quiver.online.embedded.EmbeddedOnlineStore e) {
      e.compact(table); // steady state: reads measured after the bulk load is compacted
    }
    System.out.printf(
        "%s: loaded %,d keys, %,d cells in %.1f s (%,.0f cells/s)%n",
        kind, keys, cells, loadSecs, cells / loadSecs);

    Map<String, Object> r = new LinkedHashMap<>();
    r.put("keys", keys);
    r.put("load_cells_per_s", Math.round(cells / loadSecs));
    Random pick = new Random(2);
    Supplier<byte[]> anyKey = () -> EntityKeyCodec.encode(USER, "user-" + pick.nextInt(keys));
    r.put(
        "multiget_1key_5features",
        measure(
            kind + " multiGet 1 key x 5 features",
            20_000,
            1,
            () -> store.multiGet(List.of(OnlineRead.latest(table, anyKey.get(), ROW_FEATURES)))));
    r.put(
        "multiget_100keys_5features",
        measure(
            kind + " multiGet 100 keys x 5 features",
            2_000,
            100,
            () -> {
              List<OnlineRead> reads = new ArrayList<>(100);
              for (int i = 0; i < 100; i++) {
                reads.add(OnlineRead.latest(table, anyKey.get(), ROW_FEATURES));
              }
              return store.multiGet(reads);
            }));
    FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
    List<String> mixed = List.of("f1", "f2", "f3", "count_7d", "sum_1d");
    r.put(
        "reader_1key_3rows_2windows",
        measure(
            kind + " FeatureReader 1 key x (3 rows + 7d count + 1d sum)",
            10_000,
            1,
            () ->
                reader.read(
                    view,
                    mixed,
                    List.of(EntityKeyCodec.encode(USER, "user-" + 10 * pick.nextInt(keys / 10))),
                    null)));
    if (store.readsInline()) {
      // The store reads alone on the calling thread (no hand-off to the store's executor): thread
      // CPU per call is the read's own cost (JNI, RocksDB, our key building and cell objects).
      r.put(
          "multiget_inline_1key_5features_thread_cpu_us",
          threadCpuPerCall(
              kind + " multiGetInline 1 key x 5 features",
              50_000,
              () ->
                  store.multiGetInline(
                      List.of(OnlineRead.latest(table, anyKey.get(), ROW_FEATURES)))));
      r.put(
          "multiget_inline_100keys_5features_thread_cpu_us",
          threadCpuPerCall(
              kind + " multiGetInline 100 keys x 5 features",
              2_000,
              () -> {
                List<OnlineRead> reads = new ArrayList<>(100);
                for (int i = 0; i < 100; i++) {
                  reads.add(OnlineRead.latest(table, anyKey.get(), ROW_FEATURES));
                }
                store.multiGetInline(reads);
              }));
      List<String> rows = ROW_FEATURES;
      r.put(
          "reader_inline_1key_5rows_thread_cpu_us",
          threadCpuPerCall(
              kind + " FeatureReader.readInline 1 key x 5 rows",
              50_000,
              () -> reader.readInline(view, rows, List.of(anyKey.get()), null)));
      r.put(
          "reader_inline_100keys_5rows_thread_cpu_us",
          threadCpuPerCall(
              kind + " FeatureReader.readInline 100 keys x 5 rows",
              2_000,
              () -> {
                List<byte[]> batchKeys = new ArrayList<>(100);
                for (int i = 0; i < 100; i++) {
                  batchKeys.add(anyKey.get());
                }
                reader.readInline(view, rows, batchKeys, null);
              }));
      // The same read on the calling thread: its thread CPU is the read's own cost, without the
      // hand-off to the store's executor, GC or background compactions.
      r.put(
          "reader_inline_1key_3rows_2windows_thread_cpu_us",
          threadCpuPerCall(
              kind + " FeatureReader.readInline 1 key x (3 rows + 7d count + 1d sum)",
              20_000,
              () ->
                  reader.readInline(
                      view,
                      mixed,
                      List.of(EntityKeyCodec.encode(USER, "user-" + 10 * pick.nextInt(keys / 10))),
                      null)));
    }
    return r;
  }

  private static double threadCpuPerCall(String name, int iterations, Runnable call) {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    for (int i = 0; i < iterations / 4; i++) {
      call.run(); // warm-up
    }
    long cpu0 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < iterations; i++) {
      call.run();
    }
    double us = Math.round((threads.getCurrentThreadCpuTime() - cpu0) / 1e2 / iterations) / 10.0;
    System.out.printf("%-70s thread cpu %7.1f us/call%n", name, us);
    return us;
  }

  /** A week of events for one key, written as the streaming job would: final tile states. */
  private static List<OnlineWrite> activity(
      FeatureWriter writer, byte[] key, long now, Random rnd) {
    Map<String, TileState> states = new LinkedHashMap<>();
    Map<String, TileRef> refs = new LinkedHashMap<>();
    Map<String, Long> maxTs = new LinkedHashMap<>();
    for (int e = 0; e < 140; e++) {
      long time = now - (long) (rnd.nextDouble() * Duration.ofDays(7).toMillis());
      double amount = rnd.nextInt(1000) / 10.0;
      for (Map.Entry<String, TileAggregator> s : writer.series().entrySet()) {
        for (TileRef ref : writer.tiling().tilesOf(time)) {
          String id = s.getKey() + "|" + ref;
          TileAggregator a = s.getValue();
          states.put(id, a.add(states.getOrDefault(id, a.empty()), amount, time, e));
          refs.put(id, ref);
          maxTs.merge(id, time, Math::max);
        }
      }
    }
    // One cell per tile holding every series (a TileBundle), as the streaming job writes them.
    Map<TileRef, Map<String, TileState>> byTile = new LinkedHashMap<>();
    Map<TileRef, Long> tileTs = new LinkedHashMap<>();
    for (String id : states.keySet()) {
      String series = id.substring(0, id.indexOf('|'));
      TileRef ref = refs.get(id);
      byTile.computeIfAbsent(ref, r -> new LinkedHashMap<>()).put(series, states.get(id));
      tileTs.merge(ref, maxTs.get(id), Math::max);
    }
    List<OnlineWrite> out = new ArrayList<>();
    byTile.forEach((ref, st) -> out.add(writer.tile(key, ref, st, tileTs.get(ref))));
    return out;
  }

  private static Map<String, Object> measure(
      String name, int iterations, int keysPerCall, Supplier<CompletableFuture<?>> call) {
    for (int i = 0; i < iterations / 4; i++) {
      call.get().join(); // warm-up
    }
    long[] lat = new long[iterations];
    long cpu0 = processCpuNanos();
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      long t = System.nanoTime();
      call.get().join();
      lat[i] = System.nanoTime() - t;
    }
    double serialSecs = (System.nanoTime() - start) / 1e9;
    // process CPU (caller, store threads, GC, compactions) over the 1-caller loop, per call
    double cpuUsPerCall = (processCpuNanos() - cpu0) / 1e3 / iterations;
    // throughput: 4 callers, each keeping one call in flight
    int callers = 4;
    int perCaller = iterations / 2;
    long tp0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      Thread th =
          new Thread(
              () -> {
                for (int i = 0; i < perCaller; i++) {
                  call.get().join();
                }
              });
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      try {
        th.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    double tpSecs = (System.nanoTime() - tp0) / 1e9;
    Arrays.sort(lat);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p50_us", lat[(int) (iterations * 0.50)] / 1000.0);
    m.put("p95_us", lat[(int) (iterations * 0.95)] / 1000.0);
    m.put("p99_us", lat[(int) (iterations * 0.99)] / 1000.0);
    m.put("cpu_us_per_call_1_caller", Math.round(cpuUsPerCall * 10) / 10.0);
    m.put("calls_per_s_1_caller", Math.round(iterations / serialSecs));
    m.put("calls_per_s_4_callers", Math.round(callers * perCaller / tpSecs));
    m.put("keys_per_s_4_callers", Math.round((double) callers * perCaller * keysPerCall / tpSecs));
    System.out.printf(
        "%-70s p50 %8.1f us  p95 %8.1f us  p99 %8.1f us  cpu %7.1f us/call  %,8d calls/s (1 caller)  %,8d calls/s  %,9d keys/s (4 callers)%n",
        name,
        m.get("p50_us"),
        m.get("p95_us"),
        m.get("p99_us"),
        m.get("cpu_us_per_call_1_caller"),
        m.get("calls_per_s_1_caller"),
        m.get("calls_per_s_4_callers"),
        m.get("keys_per_s_4_callers"));
    return m;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private RawStoreBench() {}
}
