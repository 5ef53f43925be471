package dev.quiver.serving.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link BenchServer} in a child JVM on this JVM's classpath. Its CPU time (user + system) is
 * read from {@code /proc/<pid>/stat}, so the server's cost per request excludes the load generator.
 */
final class ChildServer implements AutoCloseable {
  private final Process process;
  final int port;
  private static final long TICKS_PER_SECOND = ticks();
  private static final java.util.concurrent.atomic.AtomicInteger CHILDREN =
      new java.util.concurrent.atomic.AtomicInteger();

  ChildServer(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    boolean cluster = args.length > 0 && args[0].equals("hbase-cluster");
    // Session 8: the mini-cluster's heap starts at its maximum (it started at 512 MB and G1 kept it
    // at ~526 MB: a young collection every 1.5-3 s and a concurrent cycle with a Remark pause every
    // few seconds during the HBase runs; docs/benchmarks.md, "Session 8: HBase lookups").
    // QUIVER_BENCH_CLUSTER_JVM_OPTS=-Xms512m restores the old setting (later options win).
    cmd.add(cluster ? "-Xms2g" : "-Xms1g");
    cmd.add(cluster ? "-Xmx2g" : "-Xmx1g");
    String extra = System.getenv("QUIVER_BENCH_SERVER_JVM_OPTS");
    if (cluster || extra == null || !extra.matches(".*-XX:\\+Use\\w+GC.*")) {
      cmd.add("-XX:+UseG1GC"); // unless the extra options pick another collector
      if (!cluster && (extra == null || !extra.contains("MaxTenuringThreshold"))) {
        // Since session 7, the recommended serving setting (docs/serving.md, "Tuning"), for every
        // bench server alike (the floor too): long-lived objects (near-cache entries) are promoted
        // after one survivor copy instead of being copied up to 15 times; G1's default made the
        // young pauses of a lookup server copy 8-20 MB each (docs/benchmarks.md, "Session 7").
        cmd.add("-XX:MaxTenuringThreshold=1");
      }
    }
    cmd.add("-XX:+AlwaysPreTouch");
    String clusterExtra = System.getenv("QUIVER_BENCH_CLUSTER_JVM_OPTS");
    if (cluster && clusterExtra != null && !clusterExtra.isBlank()) {
      cmd.addAll(List.of(clusterExtra.trim().split("\\s+")));
    }
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")) {
        cmd.add(a); // HBase and RocksDB need the parent's opens
      }
    }
    // hbase-shaded-client carries a netty-all version file although its Netty is relocated.
    cmd.add("-Dcom.linecorp.armeria.warnNettyVersions=false");
    String serverConf = System.getProperty("quiver.bench.server");
    if (serverConf != null) {
      cmd.add("-Dquiver.bench.server=" + serverConf); // see BenchServer
    }
    if (!cluster && extra != null && !extra.isBlank()) {
      // @ID@ becomes a number of its own per child (e.g. one JFR file per server of an A/B).
      String id = Integer.toString(CHILDREN.incrementAndGet());
      cmd.addAll(List.of(extra.trim().replace("@ID@", id).split("\\s+")));
    }
    // quiver.bench.jvm: options of this child only (LookupProbe's A/B of JVM options).
    // A token env:NAME=VALUE there is set in the child's environment instead (since session 10,
    // e.g. env:GLIBC_TUNABLES=glibc.malloc.hugetlb=1 for an A/B of native memory settings).
    String own = System.getProperty("quiver.bench.jvm", "");
    java.util.Map<String, String> env = new java.util.HashMap<>();
    if (!cluster && !own.isBlank()) {
      for (String o : own.trim().split("\\s+")) {
        if (o.startsWith("env:") && o.indexOf('=') > 4) {
          env.put(o.substring(4, o.indexOf('=')), o.substring(o.indexOf('=') + 1));
        } else {
          cmd.add(o);
        }
      }
    }
    cmd.add("-cp");
    // As in the module's tests: the HBase mini-cluster jar bundles its own client and Netty, which
    // clash with hbase-shaded-client; both the cluster and the server use the bundled one.
    // quiver.bench.prepend: class directories put first (LookupProbe's A/B of two builds).
    String prepend = System.getProperty("quiver.bench.prepend", "");
    cmd.add(
        (prepend.isBlank() ? "" : prepend + java.io.File.pathSeparator)
            + dev.quiver.online.bench.ChildJvm.classPath());
    cmd.add(BenchServer.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().putAll(env);
    process = pb.start();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    int p = -1;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("READY ")) {
        p = Integer.parseInt(line.substring(6).trim());
        break;
      }
      if (line.startsWith("PORTS ")) {
        for (String kv : line.substring(6).trim().split(" ")) {
          ports.put(
              kv.substring(0, kv.indexOf('=')),
              Integer.parseInt(kv.substring(kv.indexOf('=') + 1)));
        }
      }
    }
    if (p < 0) {
      process.destroyForcibly();
      throw new IOException("bench server " + String.join(" ", args) + " did not start");
    }
    port = p;
    // Keep draining stdout (HBase logs there): a full pipe would stall the child.
    Thread drain =
        new Thread(
            () -> {
              try {
                for (String l; (l = r.readLine()) != null; ) {
                  if (l.startsWith("ALLOC ")) {
                    allocAnswers.offer(Long.parseLong(l.substring(6).trim()));
                  } else if (l.equals("FLUSHED")) {
                    flushed.offer(l);
                  } else if (l.equals("STOPPED")) {
                    stopped.countDown();
                  } // anything else: discard
                }
              } catch (IOException e) {
                // the child is gone
              }
            },
            "bench-child-stdout");
    drain.setDaemon(true);
    drain.start();
  }

  /** Ports a {@code ladder} child announced ({@code PORTS name=port ...}), by name. */
  final java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>();

  private final java.util.concurrent.BlockingQueue<Long> allocAnswers =
      new java.util.concurrent.LinkedBlockingQueue<>();

  private final java.util.concurrent.BlockingQueue<String> flushed =
      new java.util.concurrent.LinkedBlockingQueue<>();

  /**
   * An {@code hbase-cluster} child: flushes and major-compacts {@code table} (with the families'
   * data block encoding set to {@code encoding} first, unless null), and waits for it.
   */
  void flushAndCompact(String table, String encoding) throws IOException, InterruptedException {
    var out = process.getOutputStream();
    String cmd = "flush " + table + (encoding == null ? "" : " " + encoding);
    out.write((cmd + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    if (flushed.poll(300, java.util.concurrent.TimeUnit.SECONDS) == null) {
      throw new IOException("HBase mini-cluster did not answer 'flush'");
    }
  }

  /** Counted down when the child has closed its server (its "STOPPED" line). */
  private final java.util.concurrent.CountDownLatch stopped =
      new java.util.concurrent.CountDownLatch(1);

  /** Bytes allocated so far by the child's live threads (asked for on its stdin). */
  long allocatedBytes() throws IOException, InterruptedException {
    var out = process.getOutputStream();
    out.write("alloc\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    Long b = allocAnswers.poll(20, java.util.concurrent.TimeUnit.SECONDS);
    if (b == null) {
      throw new IOException("bench server did not answer 'alloc'");
    }
    return b;
  }

  long pid() {
    return process.pid();
  }

  /**
   * CPU time of the child's JIT compiler threads ({@code C1/C2 CompilerThread*}) so far, in
   * nanoseconds, from {@code /proc/<pid>/task/<tid>/stat} (10 ms resolution).
   */
  long jitNanos() throws IOException {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
      for (Path t : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    }
    return ticks * 1_000_000_000L / TICKS_PER_SECOND;
  }

  /** CPU time (user + system) of the child so far, in nanoseconds (10 ms resolution). */
  long cpuNanos() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 1_000_000_000L / TICKS_PER_SECOND;
  }

  private static long ticks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
      return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
    } catch (IOException | NumberFormatException e) {
      return 100;
    }
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close(); // the child closes its server and says "STOPPED"
    var seconds = java.util.concurrent.TimeUnit.SECONDS;
    long deadline = System.nanoTime() + seconds.toNanos(60);
    while (process.isAlive()
        && !stopped.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)
        && System.nanoTime() < deadline) {
      // waiting for "STOPPED" (or for the child to end)
    }
    if (process.waitFor(2, seconds)) {
      return; // ended by itself
    }
    process.destroy(); // a normal JVM shutdown of what is left (leftover non-daemon threads)
    if (!process.waitFor(10, seconds)) {
      process.destroyForcibly();
    }
  }
}
