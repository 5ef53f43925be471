package dev.quiver.serving.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The lookup benchmark ({@code make bench}): Quiver's lookup endpoint on the embedded store against
 * the floor (a bare Armeria endpoint answering precomputed bytes of the same size, same server
 * settings), each in its own child JVM so that server CPU per request is measured apart from the
 * load generator ({@link OpenLoopGenerator}, open model, latency from intended send time). Prints
 * every figure beside the floor's, the pass/fail of each target, the scale-out arithmetic for PRD
 * §14, and writes {@code $QUIVER_BENCH_DIR/lookup.json}. Feast's figures are read from {@code
 * feast.json} in the same directory when {@code bench/feast/run_feast.sh} produced it.
 *
 * <p>Environment: {@code QUIVER_BENCH_SECONDS} (measured seconds per run, default 10), {@code
 * QUIVER_BENCH_KEYS} (entity keys, default 100000).
 */
public final class LookupBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int CONNECTIONS = 64;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(out);
    long seconds = Long.parseLong(System.getenv().getOrDefault("QUIVER_BENCH_SECONDS", "10"));
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    long dur = TimeUnit.SECONDS.toNanos(seconds);
    Path work = Files.createTempDirectory("quiver-lookup-bench");
    Path floorDir = Files.createDirectories(work.resolve("floor"));
    Map<String, Object> report = new LinkedHashMap<>();
    List<OpenLoopGenerator.Result> all = new ArrayList<>();
    Map<String, Double> cpu = new LinkedHashMap<>();

    Random rnd = new Random(42);
    byte[][] single = new byte[50_000][];
    byte[][] floorSingle = new byte[single.length][];
    for (int i = 0; i < single.length; i++) {
      byte[] body = lookupBody(List.of("u" + rnd.nextInt(keys))).getBytes(StandardCharsets.UTF_8);
      single[i] = OpenLoopGenerator.post("/v1/features:lookup", "bench", body);
      floorSingle[i] = OpenLoopGenerator.post("/floor/lookup", "bench", body);
    }
    byte[][] batch100 = batches(rnd, keys, 100, 200, "/v1/features:batchLookup");
    byte[][] floor100 = batches(rnd, keys, 100, 200, "/floor/batch100");
    byte[][] batch1000 = batches(rnd, keys, 1000, 40, "/v1/features:batchLookup");
    byte[][] floor1000 = batches(rnd, keys, 1000, 40, "/floor/batch1000");

    System.out.println(
        "lookup bench: "
            + keys
            + " keys, "
            + seconds
            + " s per run, "
            + CONNECTIONS
            + " connections");
    try (ChildServer quiver =
        new ChildServer("quiver", work.resolve("data").toString(), Integer.toString(keys))) {
      // The floor answers exactly the bytes Quiver answers for the same kind of request.
      sample(quiver.port, lookupBody(List.of("u1")), floorDir.resolve("lookup.json"));
      sample(quiver.port, lookupBody(keyList(0, 100)), floorDir.resolve("batch100.json"));
      sample(quiver.port, lookupBody(keyList(0, 1000)), floorDir.resolve("batch1000.json"));
      try (ChildServer floor = new ChildServer("floor", floorDir.toString())) {
        warm(floor, floorSingle, floor100);
        warm(quiver, single, batch100);
        for (int rate : new int[] {5_000, 10_000, 20_000}) {
          all.add(open(floor, "floor@" + rate, floorSingle, rate, dur, cpu));
          all.add(open(quiver, "quiver@" + rate, single, rate, dur, cpu));
        }
        all.add(closed(floor, "floor-peak", floorSingle, dur, cpu));
        all.add(closed(quiver, "quiver-peak", single, dur, cpu));
        all.add(open(floor, "floor-batch100@500", floor100, 500, dur, cpu));
        all.add(open(quiver, "quiver-batch100@500", batch100, 500, dur, cpu));
        all.add(open(floor, "floor-batch1000@50", floor1000, 50, dur, cpu));
        all.add(open(quiver, "quiver-batch1000@50", batch1000, 50, dur, cpu));
      }
    }
    // The raw store: the same reads straight through the online store SPI (FeatureReader over the
    // embedded RocksDB store), in this JVM, closed loop, one thread.
    try (BenchData raw = BenchData.open(work.resolve("raw"), keys)) {
      all.add(rawStore(raw, "raw-store-1key", 1, keys, dur, cpu));
      all.add(rawStore(raw, "raw-store-100keys", 100, keys, dur / 2, cpu));
    }
    Map<String, OpenLoopGenerator.Result> byName = new LinkedHashMap<>();
    all.forEach(r -> byName.put(r.name(), r));

    System.out.printf(
        "%n%-22s %10s %10s %8s %8s %8s %8s %8s %7s %12s%n",
        "run",
        "offered/s",
        "achieved/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "errors",
        "cpu us/req");
    ArrayNode runs = JSON.createArrayNode();
    for (OpenLoopGenerator.Result r : all) {
      double c = cpu.getOrDefault(r.name(), Double.NaN);
      System.out.printf(
          "%-22s %10.0f %10.0f %8.3f %8.3f %8.3f %8.3f %8.3f %7d %12.1f%n",
          r.name(),
          r.offeredRate(),
          r.achievedRate(),
          r.p(50),
          r.p(95),
          r.p(99),
          r.p(99.9),
          r.latencyMicros().getMaxValue() / 1000.0,
          r.errors() + r.backlogDropped(),
          c);
      ObjectNode n = runs.addObject();
      n.put("name", r.name())
          .put("offered_rate", r.offeredRate())
          .put("achieved_rate", r.achievedRate())
          .put("p50_ms", r.p(50))
          .put("p95_ms", r.p(95))
          .put("p99_ms", r.p(99))
          .put("p999_ms", r.p(99.9))
          .put("max_ms", r.latencyMicros().getMaxValue() / 1000.0)
          .put("completed", r.completed())
          .put("errors", r.errors())
          .put("dropped", r.backlogDropped())
          .put("server_cpu_us_per_request", c);
    }
    report.put("runs", runs);

    // Targets.
    List<String[]> targets = new ArrayList<>();
    OpenLoopGenerator.Result q5 = byName.get("quiver@5000");
    OpenLoopGenerator.Result q10 = byName.get("quiver@10000");
    OpenLoopGenerator.Result f10 = byName.get("floor@10000");
    target(targets, "p99 at 5k req/s < 2 ms", q5.p(99) < 2.0, String.format("%.3f ms", q5.p(99)));
    target(
        targets,
        "p99 at 10k <= 1.5x floor",
        q10.p(99) <= 1.5 * f10.p(99),
        String.format(
            "%.3f ms vs floor %.3f ms (%.2fx)", q10.p(99), f10.p(99), q10.p(99) / f10.p(99)));
    double cq = cpu.get("quiver@10000");
    double cf = cpu.get("floor@10000");
    target(
        targets,
        "server CPU/lookup <= 1.25x floor",
        cq <= 1.25 * cf,
        String.format("%.1f us vs floor %.1f us (%.2fx)", cq, cf, cq / cf));
    double pq = byName.get("quiver-peak").achievedRate();
    double pf = byName.get("floor-peak").achievedRate();
    target(
        targets,
        "peak >= 80% of floor",
        pq >= 0.8 * pf,
        String.format("%.0f vs floor %.0f req/s (%.0f%%)", pq, pf, 100 * pq / pf));
    long errors =
        all.stream()
            .filter(r -> r.name().startsWith("quiver"))
            .mapToLong(r -> r.errors() + r.backlogDropped())
            .sum();
    target(targets, "0 errors", errors == 0, errors + " errors");
    OpenLoopGenerator.Result b100 = byName.get("quiver-batch100@500");
    target(
        targets,
        "batch 100 keys p99 < 5 ms at 500 req/s",
        b100.p(99) < 5,
        String.format(
            "%.3f ms (floor %.3f ms)", b100.p(99), byName.get("floor-batch100@500").p(99)));
    OpenLoopGenerator.Result b1000 = byName.get("quiver-batch1000@50");
    target(
        targets,
        "batch 1000 keys p99 < 50 ms",
        b1000.p(99) < 50,
        String.format(
            "%.3f ms (floor %.3f ms)", b1000.p(99), byName.get("floor-batch1000@50").p(99)));
    Path feast = out.resolve("feast.json");
    if (Files.exists(feast)) {
      JsonNode fj = JSON.readTree(feast.toFile());
      double feastRate = fj.path("peak_rate_at_p99").asDouble();
      double feastP99 = fj.path("p99_ms").asDouble();
      // Quiver's best rate (open-model runs and the closed-loop peak) whose p99 is no worse than
      // Feast's p99 at its highest sustained rate.
      double quiverAtEqualP99 =
          all.stream()
              .filter(
                  r ->
                      (r.name().startsWith("quiver@") || r.name().equals("quiver-peak"))
                          && r.errors() == 0
                          && r.p(99) <= feastP99)
              .mapToDouble(OpenLoopGenerator.Result::achievedRate)
              .max()
              .orElse(0);
      target(
          targets,
          ">= 20x Feast throughput at equal p99",
          quiverAtEqualP99 >= 20 * feastRate,
          String.format(
              "quiver %.0f req/s vs feast %.0f req/s at p99 <= %.1f ms (%.0fx)",
              quiverAtEqualP99, feastRate, feastP99, quiverAtEqualP99 / Math.max(1, feastRate)));
      report.put("feast", fj);
    } else {
      targets.add(
          new String[] {
            ">= 20x Feast throughput at equal p99",
            "NOT RUN",
            "run bench/feast/run_feast.sh first (writes " + feast + ")"
          });
    }
    System.out.println();
    ArrayNode tj = JSON.createArrayNode();
    for (String[] t : targets) {
      System.out.printf("%-40s %-7s %s%n", t[0], t[1], t[2]);
      tj.addObject().put("target", t[0]).put("result", t[1]).put("value", t[2]);
    }
    report.put("targets", tj);

    // PRD §14 scale-out arithmetic: stateless servers, each given 2 cores of its own.
    double perNode =
        pq; // peak on 2 shared cores, generator included: a lower bound per 2-core node
    double atTarget = perNode * 0.65; // PRD §14.3: 60-70% CPU at steady load
    String arithmetic =
        String.format(
            "one 2-core node peaked at %.0f req/s with the generator on the same cores; at 65%% CPU it serves"
                + " %.0f req/s with p99 %.2f ms at 10k. 20k req/s needs %d nodes, 50k needs %d (+1 for N+1"
                + " redundancy); the online store must then serve %.0f-%.0f multi-gets/s (fewer with the near"
                + " cache). p95 stays far below 30 ms while each node runs below its knee.",
            perNode,
            atTarget,
            q10.p(99),
            (int) Math.ceil(20_000 / atTarget),
            (int) Math.ceil(50_000 / atTarget),
            20_000.0,
            50_000.0);
    System.out.println("\nscale-out (PRD §14): " + arithmetic);
    report.put("scale_out", arithmetic);
    Path file = out.resolve("lookup.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), report);
    System.out.println("wrote " + file.toAbsolutePath());
  }

  static OpenLoopGenerator.Result rawStore(
      BenchData data, String name, int batch, int keys, long dur, Map<String, Double> cpu) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    Random rnd = new Random(3);
    org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    for (int w = 0; w < 20_000; w++) { // warm
      data.source()
          .read(
              data.view,
              data.entity.joinKeys(),
              BenchData.FEATURES,
              rawKeys(rnd, batch, keys),
              null)
          .join();
    }
    long c0 = os.getProcessCpuTime();
    long start = System.nanoTime();
    long end = start + dur;
    long n = 0;
    while (System.nanoTime() < end) {
      List<List<Object>> k = rawKeys(rnd, batch, keys);
      long t = System.nanoTime();
      data.source().read(data.view, data.entity.joinKeys(), BenchData.FEATURES, k, null).join();
      h.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
      n++;
    }
    double secs = (System.nanoTime() - start) / 1e9;
    cpu.put(name, (os.getProcessCpuTime() - c0) / 1000.0 / Math.max(1, n));
    return new OpenLoopGenerator.Result(name, 0, n / secs, n, 0, 0, h, secs, null);
  }

  static List<List<Object>> rawKeys(Random rnd, int batch, int keys) {
    List<List<Object>> k = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      k.add(List.of("u" + rnd.nextInt(keys)));
    }
    return k;
  }

  static void target(List<String[]> targets, String name, boolean pass, String value) {
    targets.add(new String[] {name, pass ? "PASS" : "FAIL", value});
  }

  static String lookupBody(List<String> keys) {
    StringBuilder sb = new StringBuilder("{\"entity_name\":\"user\",\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      sb.append(i == 0 ? "" : ",").append('"').append(keys.get(i)).append('"');
    }
    sb.append("],\"features\":[");
    for (int i = 0; i < BenchData.FEATURES.size(); i++) {
      sb.append(i == 0 ? "" : ",").append('"').append(BenchData.FEATURES.get(i)).append('"');
    }
    return sb.append("]}").toString();
  }

  static List<String> keyList(int from, int n) {
    List<String> k = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      k.add("u" + (from + i));
    }
    return k;
  }

  static byte[][] batches(Random rnd, int keys, int size, int count, String path) {
    byte[][] out = new byte[count][];
    for (int i = 0; i < count; i++) {
      List<String> k = new ArrayList<>(size);
      for (int j = 0; j < size; j++) {
        k.add("u" + rnd.nextInt(keys));
      }
      out[i] =
          OpenLoopGenerator.post(path, "bench", lookupBody(k).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  static void sample(int port, String body, Path to) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/features:batchLookup"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "sample lookup failed: " + new String(r.body(), StandardCharsets.UTF_8));
    }
    Files.write(to, r.body());
  }

  static void warm(ChildServer s, byte[][] single, byte[][] batch) throws Exception {
    try (OpenLoopGenerator g =
        new OpenLoopGenerator(new InetSocketAddress("127.0.0.1", s.port), CONNECTIONS, single)) {
      g.runClosed("warm", TimeUnit.SECONDS.toNanos(8));
    }
    try (OpenLoopGenerator g =
        new OpenLoopGenerator(new InetSocketAddress("127.0.0.1", s.port), 8, batch)) {
      g.runClosed("warm-batch", TimeUnit.SECONDS.toNanos(3));
    }
  }

  static OpenLoopGenerator.Result open(
      ChildServer s, String name, byte[][] reqs, double rate, long dur, Map<String, Double> cpu)
      throws Exception {
    try (OpenLoopGenerator g =
        new OpenLoopGenerator(new InetSocketAddress("127.0.0.1", s.port), CONNECTIONS, reqs)) {
      g.runOpen(name + "-warm", rate, TimeUnit.SECONDS.toNanos(2));
      long c0 = s.cpuNanos();
      OpenLoopGenerator.Result r = g.runOpen(name, rate, dur);
      cpu.put(name, (s.cpuNanos() - c0) / 1000.0 / Math.max(1, r.completed()));
      return r;
    }
  }

  static OpenLoopGenerator.Result closed(
      ChildServer s, String name, byte[][] reqs, long dur, Map<String, Double> cpu)
      throws Exception {
    try (OpenLoopGenerator g =
        new OpenLoopGenerator(new InetSocketAddress("127.0.0.1", s.port), 32, reqs)) {
      long c0 = s.cpuNanos();
      OpenLoopGenerator.Result r = g.runClosed(name, dur);
      cpu.put(name, (s.cpuNanos() - c0) / 1000.0 / Math.max(1, r.completed()));
      return r;
    }
  }
}
