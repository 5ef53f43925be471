package dev.quiver.serving.bench;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A diagnostic companion of {@link LookupBench}: one server ({@code floor} or {@code quiver} on the
 * embedded store) in a child JVM, warmed up, then open-model runs at the given rates while the
 * child's per-thread CPU is sampled from {@code /proc/<pid>/task/*}/stat; prints the threads that
 * used the most CPU in each run. Args: {@code quiver|floor rate...} (env as LookupBench).
 */
public final class LookupProbe {
  public static void main(String[] args) throws Exception {
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    long seconds = Long.parseLong(System.getenv().getOrDefault("QUIVER_BENCH_SECONDS", "4"));
    String kind = System.getenv().getOrDefault("QUIVER_PROBE_KIND", "single");
    Path work = Files.createTempDirectory("quiver-lookup-probe");
    Random rnd = new Random(42);
    byte[][] single = new byte[50_000][];
    for (int i = 0; i < single.length; i++) {
      byte[] body =
          LookupBench.lookupBody(List.of("u" + rnd.nextInt(keys))).getBytes(StandardCharsets.UTF_8);
      single[i] = OpenLoopGenerator.post("/v1/features:lookup", "bench", body);
    }
    Map<String, byte[][]> reqs = new HashMap<>();
    reqs.put("single", single);
    reqs.put("batch100", LookupBench.batches(rnd, keys, 100, 200, "/v1/features:batchLookup"));
    reqs.put("batch1000", LookupBench.batches(rnd, keys, 1000, 40, "/v1/features:batchLookup"));
    String ab = System.getenv("QUIVER_PROBE_AB");
    if (ab != null) {
      abTest(ab, work, keys, seconds, reqs, args);
      return;
    }
    try (ChildServer s = new ChildServer("quiver", work.resolve("data").toString(), "" + keys)) {
      // QUIVER_PROBE_FLOOR=true: also the floor (precomputed answers of Quiver's own size, as in
      // LookupBench), each rate run on the floor then on Quiver, for profiles and per-request logs
      // of both under the same load.
      ChildServer floor = null;
      Map<String, byte[][]> floorReqs = new HashMap<>();
      if ("true".equals(System.getenv("QUIVER_PROBE_FLOOR"))) {
        Path floorDir = Files.createDirectories(work.resolve("floor"));
        floorReqs.putAll(floorRequests(s.port, floorDir, single, rnd, keys));
        floor = new ChildServer("floor", floorDir.toString());
        LookupBench.warm(floor, floorReqs);
      }
      try {
        LookupBench.warm(s, reqs);
        for (int a = 0; a < args.length; a++) {
          if (floor != null) {
            probe(floor, "floor", floorReqs.get("single"), Double.parseDouble(args[a]), seconds, a);
          }
          probe(s, kind, reqs.get(kind), Double.parseDouble(args[a]), seconds, a);
        }
      } finally {
        if (floor != null) {
          floor.close();
        }
      }
    }
  }

  /** One run at {@code rate} (0: closed loop) against {@code s}, with its busiest threads. */
  private static void probe(
      ChildServer s, String kind, byte[][] reqs, double rate, long seconds, int a)
      throws Exception {
    try (OpenLoopGenerator g =
        new OpenLoopGenerator(
            new InetSocketAddress("127.0.0.1", s.port), LookupBench.CONNECTIONS, reqs)) {
      if (rate > 0) {
        g.runOpen("warm", rate, TimeUnit.SECONDS.toNanos(1));
      }
      String jfr = System.getenv("QUIVER_PROBE_JFR");
      if (jfr != null) {
        jcmd(
            s.pid(),
            "JFR.start",
            "name=probe",
            "settings=profile",
            "filename=" + jfr + "-" + kind + "-" + a + ".jfr");
      }
      // QUIVER_PROBE_LATLOG=PREFIX: each request's send time and latency to PREFIX-<kind>-<run>.txt
      String latLog = System.getenv("QUIVER_PROBE_LATLOG");
      if (latLog != null) {
        g.recordEach((int) Math.min(50_000_000, Math.max(rate, 60_000) * (seconds + 31)));
      }
      // QUIVER_PROBE_PERF=PREFIX: a perf profile (Java, JNI/RocksDB and kernel frames) of the
      // server during the measured run, PREFIX-<kind>-<run>.data; Java frames resolve with
      // -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer in
      // QUIVER_BENCH_SERVER_JVM_OPTS (the map is written when the child exits).
      String perf = System.getenv("QUIVER_PROBE_PERF");
      Process perfRec = null;
      if (perf != null) {
        // QUIVER_PROBE_PERF_TRACE=true: syscall counts and times (perf trace -s) instead.
        List<String> cmd =
            new ArrayList<>(
                "true".equals(System.getenv("QUIVER_PROBE_PERF_TRACE"))
                    ? List.of("perf", "trace", "-s")
                    : List.of("perf", "record", "-e", "cpu-clock", "-F", "1999", "-g"));
        cmd.addAll(
            List.of(
                "-p",
                Long.toString(s.pid()),
                "-o",
                perf + "-" + kind + "-" + a + ".data",
                "--",
                "sleep",
                Long.toString(seconds)));
        perfRec =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
      }
      Map<String, Long> t0 = threads(s.pid());
      long c0 = s.cpuNanos();
      java.time.Instant from = java.time.Instant.now();
      OpenLoopGenerator.Result r =
          rate > 0
              ? g.runOpen("probe", rate, TimeUnit.SECONDS.toNanos(seconds))
              : g.runClosed("probe", TimeUnit.SECONDS.toNanos(seconds));
      long c1 = s.cpuNanos();
      Map<String, Long> t1 = threads(s.pid());
      if (perfRec != null) {
        perfRec.waitFor();
      }
      if (latLog != null) {
        g.writeLog(Path.of(latLog + "-" + kind + "-" + a + ".txt"));
      }
      if (jfr != null) {
        jcmd(s.pid(), "JFR.stop", "name=probe");
        jcmd(s.pid(), "Compiler.codecache");
      }
      System.out.printf(
          "%s rate %.0f: achieved %.0f p50 %.3f p95 %.3f p99 %.3f p99.9 %.3f max %.3f ms errors %d,"
              + " cpu %.1f us/req, pid %d window %s %s, load %.1f%n",
          kind,
          rate,
          r.achievedRate(),
          r.p(50),
          r.p(95),
          r.p(99),
          r.p(99.9),
          r.latencyMicros().getMaxValue() / 1000.0,
          r.errors(),
          (c1 - c0) / 1000.0 / Math.max(1, r.completed()),
          s.pid(),
          from,
          java.time.Instant.now(),
          LookupBench.loadAverage());
      List<Map.Entry<String, Long>> d = new ArrayList<>();
      for (var e : t1.entrySet()) {
        d.add(Map.entry(e.getKey(), e.getValue() - t0.getOrDefault(e.getKey(), 0L)));
      }
      d.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
      for (int i = 0; i < Math.min(14, d.size()); i++) {
        System.out.printf(
            "   %-40s %8.1f ms  %6.1f us/req%n",
            d.get(i).getKey(),
            d.get(i).getValue() / 1e6,
            d.get(i).getValue() / 1000.0 / Math.max(1, r.completed()));
      }
    }
  }

  /**
   * Interleaved A/B: server A with the default options, B with {@code conf} (server.* options,
   * comma separated), both warmed up, then rounds at each rate in {@code args}, alternating A and B
   * (order swapped every round) so both see the same machine load; prints CPU per request of each.
   */
  static void abTest(
      String conf, Path work, int keys, long seconds, Map<String, byte[][]> reqs, String[] args)
      throws Exception {
    System.clearProperty("quiver.bench.server");
    try (ChildServer a = new ChildServer("quiver", work.resolve("a").toString(), "" + keys)) {
      System.setProperty("quiver.bench.server", conf);
      // QUIVER_PROBE_B_CLASSES: class directories that B loads first (another build of the server),
      // for an interleaved A/B of two code versions; conf may then be empty.
      String bClasses = System.getenv("QUIVER_PROBE_B_CLASSES");
      if (bClasses != null) {
        System.setProperty("quiver.bench.prepend", bClasses);
      }
      // QUIVER_PROBE_B_JVM_OPTS: JVM options of B only (after QUIVER_BENCH_SERVER_JVM_OPTS), for an
      // interleaved A/B of GC settings.
      String bJvm = System.getenv("QUIVER_PROBE_B_JVM_OPTS");
      if (bJvm != null) {
        System.setProperty("quiver.bench.jvm", bJvm);
      }
      try (ChildServer b = new ChildServer("quiver", work.resolve("b").toString(), "" + keys)) {
        System.clearProperty("quiver.bench.prepend");
        System.clearProperty("quiver.bench.jvm");
        LookupBench.warm(a, reqs);
        LookupBench.warm(b, reqs);
        // QUIVER_PROBE_FLOOR=true: also two floors, A's with the default options and B's with
        // conf (a server option such as server.worker-threads must be judged against a floor that
        // runs the same settings), interleaved with the Quiver runs.
        ChildServer[] servers = {a, b};
        Map<ChildServer, byte[][]> own = new HashMap<>();
        String kindName = System.getenv().getOrDefault("QUIVER_PROBE_KIND", "single");
        own.put(a, reqs.get(kindName));
        own.put(b, reqs.get(kindName));
        List<ChildServer> floors = new ArrayList<>();
        if ("true".equals(System.getenv("QUIVER_PROBE_FLOOR"))) {
          Path floorDir = Files.createDirectories(work.resolve("floor"));
          Map<String, byte[][]> floorReqs =
              floorRequests(a.port, floorDir, reqs.get("single"), new Random(7), keys);
          System.clearProperty("quiver.bench.server");
          ChildServer fa = new ChildServer("floor", floorDir.toString());
          System.setProperty("quiver.bench.server", conf);
          if (bJvm != null) {
            System.setProperty("quiver.bench.jvm", bJvm); // B's JVM options apply to its floor too
          }
          ChildServer fb = new ChildServer("floor", floorDir.toString());
          System.clearProperty("quiver.bench.server");
          System.clearProperty("quiver.bench.jvm");
          LookupBench.warm(fa, floorReqs);
          LookupBench.warm(fb, floorReqs);
          floors.add(fa);
          floors.add(fb);
          own.put(fa, floorReqs.get("single"));
          own.put(fb, floorReqs.get("single"));
          servers = new ChildServer[] {a, b, fa, fb};
        }
        try {
          abRounds(conf, bClasses, bJvm, servers, own, seconds, args);
        } finally {
          for (ChildServer f : floors) {
            f.close();
          }
        }
      }
    }
  }

  private static void abRounds(
      String conf,
      String bClasses,
      String bJvm,
      ChildServer[] servers,
      Map<ChildServer, byte[][]> own,
      long seconds,
      String[] args)
      throws Exception {
    ChildServer a = servers[0];
    ChildServer b = servers[1];
    int rounds = Integer.parseInt(System.getenv().getOrDefault("QUIVER_PROBE_ROUNDS", "3"));
    for (int round = 0; round < rounds; round++) {
      for (String arg : args) {
        double rate = Double.parseDouble(arg);
        for (int i = 0; i < servers.length; i++) {
          // Order rotated every round; floors (if any) as pairs around the Quiver pair.
          ChildServer s = servers[(i + round) % servers.length];
          String label =
              s == a
                  ? "A (default)"
                  : s == b
                      ? "B ("
                          + conf
                          + (bClasses == null ? "" : " " + bClasses)
                          + (bJvm == null ? "" : " " + bJvm)
                          + ")"
                      : s == servers[2]
                          ? "floor A (default)"
                          : "floor B (" + conf + (bJvm == null ? "" : " " + bJvm) + ")";
          {
            {
              try (OpenLoopGenerator g =
                  new OpenLoopGenerator(
                      new InetSocketAddress("127.0.0.1", s.port),
                      LookupBench.CONNECTIONS,
                      own.get(s))) {
                long c0 = s.cpuNanos();
                // Wall-clock window of the run, to line it up with the child's GC log
                // (-Xlog:gc:file=...:time through QUIVER_BENCH_SERVER_JVM_OPTS).
                java.time.Instant from = java.time.Instant.now();
                OpenLoopGenerator.Result r =
                    rate > 0
                        ? g.runOpen("ab", rate, TimeUnit.SECONDS.toNanos(seconds))
                        : g.runClosed("ab", TimeUnit.SECONDS.toNanos(seconds));
                System.out.printf(
                    "round %d rate %6.0f %s: achieved %6.0f p50 %8.3f p95 %8.3f p99 %8.3f p99.9"
                        + " %8.3f ms cpu %6.1f us/req pid %d window %s %s load %.1f%n",
                    round,
                    rate,
                    label,
                    r.achievedRate(),
                    r.p(50),
                    r.p(95),
                    r.p(99),
                    r.p(99.9),
                    (s.cpuNanos() - c0) / 1000.0 / Math.max(1, r.completed()),
                    s.pid(),
                    from,
                    java.time.Instant.now(),
                    LookupBench.loadAverage());
              }
            }
          }
        }
      }
    }
  }

  static void jcmd(long pid, String... cmd) throws Exception {
    List<String> c = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
    c.addAll(List.of(cmd));
    new ProcessBuilder(c).inheritIO().start().waitFor();
  }

  /** CPU nanoseconds per thread (name + tid) of process {@code pid}. */
  static Map<String, Long> threads(long pid) throws Exception {
    Map<String, Long> out = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks.toList()) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          out.put(name + "#" + t.getFileName(), ticks * 10_000_000L);
        } catch (java.io.IOException e) {
          // thread ended
        }
      }
    }
    return out;
  }

  /**
   * The floor's precomputed answers, sampled from the Quiver server at {@code port} into {@code
   * floorDir} (one key, and batches of 100 and 1,000 keys, as in LookupBench: the floor's warm-up
   * runs batches too), and its requests: {@code single} sent to the floor's path, and batches.
   */
  private static Map<String, byte[][]> floorRequests(
      int port, Path floorDir, byte[][] single, Random rnd, int keys) throws Exception {
    LookupBench.sample(
        port, LookupBench.lookupBody(List.of("u1")), floorDir.resolve("lookup.json"));
    LookupBench.sample(
        port,
        LookupBench.lookupBody(LookupBench.keyList(0, 100)),
        floorDir.resolve("batch100.json"));
    LookupBench.sample(
        port,
        LookupBench.lookupBody(LookupBench.keyList(0, 1000)),
        floorDir.resolve("batch1000.json"));
    byte[][] fs = new byte[single.length][];
    for (int i = 0; i < single.length; i++) {
      fs[i] =
          new String(single[i], StandardCharsets.UTF_8)
              .replaceFirst("/v1/features:lookup", "/floor/lookup")
              .getBytes(StandardCharsets.UTF_8);
    }
    Map<String, byte[][]> out = new HashMap<>();
    out.put("single", fs);
    out.put("batch100", LookupBench.batches(rnd, keys, 100, 200, "/floor/batch100"));
    out.put("batch1000", LookupBench.batches(rnd, keys, 1000, 40, "/floor/batch1000"));
    return out;
  }
}
