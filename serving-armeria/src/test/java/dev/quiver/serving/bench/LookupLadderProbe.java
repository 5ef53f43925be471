package dev.quiver.serving.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.serving.LadderServer;
import java.net.InetSocketAddress;
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
 * Attributes the lookup server's CPU and allocation per lookup to its steps: one child JVM ({@code
 * BenchServer ladder}) serves the rungs of {@link LadderServer} (floor, + request metrics, + parse,
 * + plan, + near-cache hits, + response encode) and three real Quiver servers (all near-cache hits;
 * store reads handed off, the default; store reads inline), all on Armeria's shared event loops.
 * After a warm-up until the compiler threads are idle, each round drives every rung in turn (the
 * order rotates every round, so all see the same machine load) at each rate of the arguments (0 =
 * closed loop), and reads the child's CPU ({@code /proc}) and allocated bytes (ThreadMXBean) around
 * each run. Prints the mean per rung and the step to the rung below; writes {@code
 * lookup-ladder.json}. Args: rates (default {@code 10000 0}); env {@code QUIVER_BENCH_KEYS}, {@code
 * QUIVER_BENCH_SECONDS}, {@code QUIVER_PROBE_ROUNDS} (default 3). Not in {@code bench/run.sh} (a
 * diagnostic); run it like {@link LookupProbe}.
 */
public final class LookupLadderProbe {
  static final List<String> RUNGS = new ArrayList<>(LadderServer.RUNGS);

  static {
    RUNGS.addAll(List.of("full-hits", "full-store", "full-inline"));
  }

  public static void main(String[] args) throws Exception {
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    long seconds = Long.parseLong(System.getenv().getOrDefault("QUIVER_BENCH_SECONDS", "4"));
    int rounds = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_ROUNDS", "3"));
    double[] rates =
        args.length == 0
            ? new double[] {10000, 0}
            : java.util.Arrays.stream(args).mapToDouble(Double::parseDouble).toArray();
    Path work = Files.createTempDirectory("quiver-lookup-ladder");
    Random rnd = new Random(42);
    byte[][] bodies = new byte[50_000][];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] =
          LookupBench.lookupBody(List.of("u" + rnd.nextInt(keys))).getBytes(StandardCharsets.UTF_8);
    }
    double load0 = LookupBench.loadAverage();
    System.out.printf(
        "ladder: %d keys, %d s per run, %d rounds, load %.2f%n", keys, seconds, rounds, load0);
    try (ChildServer s = new ChildServer("ladder", work.resolve("data").toString(), "" + keys)) {
      Map<String, InetSocketAddress> addr = new LinkedHashMap<>();
      Map<String, byte[][]> reqs = new LinkedHashMap<>();
      for (String rung : RUNGS) {
        boolean full = rung.startsWith("full-");
        int port = s.ports.get(full ? rung : "ladder");
        String path = full ? "/v1/features:lookup" : "/ladder/" + rung;
        byte[][] r = new byte[bodies.length][];
        for (int i = 0; i < r.length; i++) {
          r[i] = OpenLoopGenerator.post(path, "bench", bodies[i]);
        }
        addr.put(rung, new InetSocketAddress("127.0.0.1", port));
        reqs.put(rung, r);
      }
      warm(s, addr, reqs);
      Map<String, List<double[]>> results = new LinkedHashMap<>(); // rung@rate -> {cpu, alloc, ...}
      for (int round = 0; round < rounds; round++) {
        List<String> order = new ArrayList<>(RUNGS);
        java.util.Collections.rotate(order, round * 3);
        if (round % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (double rate : rates) {
          for (String rung : order) {
            try (OpenLoopGenerator g =
                new OpenLoopGenerator(addr.get(rung), LookupBench.CONNECTIONS, reqs.get(rung))) {
              if (rate > 0) {
                g.runOpen("settle", rate, TimeUnit.MILLISECONDS.toNanos(500));
              } else {
                g.runClosed("settle", TimeUnit.MILLISECONDS.toNanos(500));
              }
              long a0 = s.allocatedBytes();
              long c0 = s.cpuNanos();
              long j0 = s.jitNanos();
              OpenLoopGenerator.Result r =
                  rate > 0
                      ? g.runOpen(rung, rate, TimeUnit.SECONDS.toNanos(seconds))
                      : g.runClosed(rung, TimeUnit.SECONDS.toNanos(seconds));
              long c1 = s.cpuNanos();
              long j1 = s.jitNanos();
              long a1 = s.allocatedBytes();
              double n = Math.max(1, r.completed());
              double[] row = {
                (c1 - c0) / 1000.0 / n,
                (a1 - a0) / n,
                r.achievedRate(),
                r.p(50),
                r.p(99),
                r.p(99.9),
                r.errors(),
                (j1 - j0) / 1000.0 / n
              };
              results.computeIfAbsent(rung + "@" + (long) rate, k -> new ArrayList<>()).add(row);
              System.out.printf(
                  "round %d %-11s @%-6s cpu %6.1f us  alloc %7.0f B  %7.0f req/s  p50 %7.3f p99 %8.3f"
                      + " p99.9 %8.3f ms  err %.0f  jit %.1f us%n",
                  round,
                  rung,
                  rate > 0 ? Long.toString((long) rate) : "closed",
                  row[0],
                  row[1],
                  row[2],
                  row[3],
                  row[4],
                  row[5],
                  row[6],
                  row[7]);
            }
          }
        }
      }
      double load1 = LookupBench.loadAverage();
      ObjectNode json = LookupBench.JSON.createObjectNode();
      json.put("keys", keys).put("seconds", seconds).put("rounds", rounds);
      json.put("load_average_start", load0).put("load_average_end", load1);
      ArrayNode rows = json.putArray("rungs");
      System.out.printf("%nladder (means of %d rounds; load %.2f -> %.2f)%n", rounds, load0, load1);
      for (double rate : rates) {
        String rs = rate > 0 ? Long.toString((long) rate) : "closed";
        System.out.printf(
            "%-11s %-7s %10s %8s %10s %8s %9s %9s %8s%n",
            "rung", "rate", "cpu us", "step", "alloc B", "step", "req/s", "p99 ms", "errors");
        double prevCpu = Double.NaN;
        double prevAlloc = Double.NaN;
        for (String rung : RUNGS) {
          List<double[]> rs2 = results.get(rung + "@" + (long) rate);
          double cpu = mean(rs2, 0);
          double alloc = mean(rs2, 1);
          double errors = rs2.stream().mapToDouble(x -> x[6]).sum();
          boolean ladderStep = !rung.startsWith("full-") || rung.equals("full-hits");
          System.out.printf(
              "%-11s %-7s %10.1f %8s %10.0f %8s %9.0f %9.3f %8.0f%n",
              rung,
              rs,
              cpu,
              ladderStep && !Double.isNaN(prevCpu) ? String.format("%+.1f", cpu - prevCpu) : "",
              alloc,
              ladderStep && !Double.isNaN(prevAlloc)
                  ? String.format("%+.0f", alloc - prevAlloc)
                  : "",
              mean(rs2, 2),
              mean(rs2, 4),
              errors);
          if (ladderStep) {
            prevCpu = cpu;
            prevAlloc = alloc;
          }
          ObjectNode o = rows.addObject();
          o.put("rung", rung).put("rate", rs);
          o.put("cpu_us_per_lookup", cpu).put("allocated_bytes_per_lookup", alloc);
          o.put("achieved_rate", mean(rs2, 2)).put("p50_ms", mean(rs2, 3));
          o.put("p99_ms", mean(rs2, 4)).put("p999_ms", mean(rs2, 5)).put("errors", errors);
          o.put("jit_cpu_us_per_lookup", mean(rs2, 7));
          ArrayNode each = o.putArray("cpu_us_per_round");
          rs2.forEach(x -> each.add(x[0]));
        }
      }
      Path dir = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
      Files.createDirectories(dir);
      LookupBench.JSON
          .writerWithDefaultPrettyPrinter()
          .writeValue(dir.resolve("lookup-ladder.json").toFile(), json);
    }
  }

  static double mean(List<double[]> rows, int col) {
    return rows.stream().mapToDouble(x -> x[col]).average().orElse(Double.NaN);
  }

  /**
   * Closed-loop windows of 3 s per rung until its compiler threads are idle (below 5% of a window,
   * at most 60 s per rung), then passes over all rungs until a whole pass compiles nothing more (at
   * most 90 s): the rungs share code, and each new rung's types recompile shared methods.
   */
  static void warm(ChildServer s, Map<String, InetSocketAddress> addr, Map<String, byte[][]> reqs)
      throws Exception {
    for (String rung : RUNGS) {
      try (OpenLoopGenerator g =
          new OpenLoopGenerator(addr.get(rung), LookupBench.CONNECTIONS, reqs.get(rung))) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; System.nanoTime() < until; i++) {
          long j0 = s.jitNanos();
          long w0 = System.nanoTime();
          g.runClosed("warm", TimeUnit.SECONDS.toNanos(3));
          if (i >= 1 && (s.jitNanos() - j0) / (double) (System.nanoTime() - w0) < 0.05) {
            break;
          }
        }
      }
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < until) {
      long j0 = s.jitNanos();
      long w0 = System.nanoTime();
      for (String rung : RUNGS) {
        try (OpenLoopGenerator g =
            new OpenLoopGenerator(addr.get(rung), LookupBench.CONNECTIONS, reqs.get(rung))) {
          g.runClosed("warm", TimeUnit.SECONDS.toNanos(1));
        }
      }
      double share = (s.jitNanos() - j0) / (double) (System.nanoTime() - w0);
      System.out.printf("warm-up pass: compiler threads %.1f%% of the pass%n", share * 100);
      if (share < 0.03) {
        break;
      }
    }
  }
}
