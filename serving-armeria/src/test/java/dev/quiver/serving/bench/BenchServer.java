package dev.quiver.serving.bench;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.serving.Authorizer;
import dev.quiver.serving.QuiverServer;
import dev.quiver.serving.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The server side of {@link LookupBench}, run in its own JVM so that its CPU time can be read from
 * {@code /proc/<pid>/stat} apart from the load generator's. Modes:
 *
 * <ul>
 *   <li>{@code floor DIR}: a bare Armeria server (same settings as Quiver's) whose routes {@code
 *       /floor/<name>} aggregate the request and answer the precomputed bytes of {@code
 *       DIR/<name>.json};
 *   <li>{@code quiver DIR KEYS}: the Quiver server over the bench data set ({@link BenchData}) on
 *       the embedded store;
 *   <li>{@code quiver-hbase DIR KEYS ZK}: the same on the HBase store of the mini-cluster whose
 *       ZooKeeper is {@code ZK};
 *   <li>{@code hbase-cluster}: an HBase mini-cluster (prints {@code READY <zookeeper port>}), kept
 *       in a JVM of its own so that the region server's CPU is not counted as the server's.
 * </ul>
 *
 * Prints {@code READY <port>} when it listens, and stops when stdin closes.
 */
public final class BenchServer {
  public static void main(String[] args) throws Exception {
    // Extra server.* options for experiments, e.g.
    // -Dquiver.bench.server=server.inline-read.max-keys=1
    Map<String, String> conf = new java.util.HashMap<>(Map.of("server.port", "0"));
    String extra = System.getProperty("quiver.bench.server", "");
    for (String kv : extra.split(",")) {
      if (kv.contains("=")) {
        conf.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
      }
    }
    ServerOptions opts = ServerOptions.from(QuiverConfig.of(conf));
    AutoCloseable closer;
    int port;
    dev.quiver.online.hbase.HBaseMiniClusterFixture hbase = null;
    if (args[0].equals("floor")) {
      ServerBuilder sb =
          Server.builder()
              .http(new java.net.InetSocketAddress(opts.host(), 0))
              .maxRequestLength(opts.maxRequestLength())
              .requestTimeout(opts.requestTimeout())
              .gracefulShutdownTimeout(opts.shutdownQuietPeriod(), opts.shutdownTimeout());
      // The same event loops as Quiver's server (QuiverServer.newServer): the floor must run the
      // same server settings.
      if (opts.workerThreads() > 0) {
        sb.workerGroup(opts.workerThreads());
      }
      ResponseHeaders ok =
          ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8);
      try (var files = Files.list(Path.of(args[1]))) {
        for (Path p : files.filter(f -> f.toString().endsWith(".json")).toList()) {
          byte[] body = Files.readAllBytes(p);
          String name = p.getFileName().toString().replace(".json", "");
          sb.service(
              "/floor/" + name,
              (ctx, req) ->
                  HttpResponse.of(
                      req.aggregate()
                          .thenApply(
                              agg ->
                                  HttpResponse.of(
                                      ok, com.linecorp.armeria.common.HttpData.wrap(body)))));
        }
      }
      Server server = sb.build();
      server.start().join();
      port = server.activeLocalPort();
      closer = () -> server.stop().join();
    } else if (args[0].equals("hbase-cluster")) {
      dev.quiver.online.hbase.HBaseMiniClusterFixture cluster =
          dev.quiver.online.hbase.HBaseMiniClusterFixture.start();
      String zk = cluster.zookeeperQuorum();
      port = Integer.parseInt(zk.substring(zk.lastIndexOf(':') + 1));
      closer = cluster;
      hbase = cluster;
    } else if (args[0].equals("ladder")) {
      // The ladder of LookupLadderProbe: LadderServer's rungs, then three real Quiver servers
      // (near-cache hits, store reads handed off, inline store reads) on one data set. All share
      // Armeria's common event loops, so only the server being driven uses CPU.
      BenchData data = BenchData.open(Path.of(args[1]), Integer.parseInt(args[2]));
      dev.quiver.serving.LadderServer ladder =
          dev.quiver.serving.LadderServer.start(
              conf,
              data.registry(),
              data.source(),
              LookupBench.lookupBody(java.util.List.of("u1")));
      Map<String, String> variants = new java.util.LinkedHashMap<>();
      variants.put("full-hits", "server.cache.max-staleness=1h");
      variants.put("full-store", "server.inline-read.max-keys=0"); // handed off
      variants.put("full-inline", "server.inline-read.max-keys=1");
      StringBuilder ports = new StringBuilder("PORTS ladder=" + ladder.port());
      java.util.List<QuiverServer> fulls = new java.util.ArrayList<>();
      for (var v : variants.entrySet()) {
        Map<String, String> c = new java.util.HashMap<>(conf);
        if (!v.getValue().isEmpty()) {
          String kv = v.getValue();
          c.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        QuiverServer q =
            QuiverServer.start(
                ServerOptions.from(QuiverConfig.of(c)),
                data.registry(),
                data.source(),
                Authorizer.ALLOW_ALL);
        fulls.add(q);
        ports.append(' ').append(v.getKey()).append('=').append(q.port());
      }
      System.out.println(ports);
      port = ladder.port();
      closer =
          () -> {
            ladder.close();
            for (QuiverServer q : fulls) {
              q.close();
            }
            data.close();
          };
    } else {
      QuiverConfig online =
          args[0].equals("quiver-hbase")
              ? QuiverConfig.of(
                  Map.of(
                      "online.type", "hbase",
                      "online.hbase.zookeeper-quorum", args[3],
                      "online.hbase.table", "quiver_bench",
                      "online.hbase.presplit-regions", "4",
                      // loading the data set on a busy machine: big multi-puts take seconds
                      "online.hbase.rpc-timeout", "60s",
                      "online.hbase.operation-timeout", "120s"))
              : BenchData.embedded(Path.of(args[1]));
      BenchData data = BenchData.open(Path.of(args[1]), Integer.parseInt(args[2]), online);
      QuiverServer server =
          QuiverServer.start(opts, data.registry(), data.source(), Authorizer.ALLOW_ALL);
      port = server.port();
      closer =
          () -> {
            server.close();
            data.close();
          };
    }
    System.out.println("READY " + port);
    System.out.flush();
    // Run until the parent closes our stdin; "alloc" asks for the bytes allocated so far by all
    // live threads (ThreadMXBean), answered as "ALLOC <bytes>".
    java.io.BufferedReader in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("alloc")) {
        System.out.println("ALLOC " + allocatedBytes());
        System.out.flush();
      } else if (line.startsWith("flush ") && hbase != null) {
        // hbase-cluster: "flush TABLE [ENCODING]" flushes and major-compacts the table
        // (LookupBench's
        // QUIVER_BENCH_HBASE_FLUSH and QUIVER_BENCH_HBASE_ENCODING), answered "FLUSHED"
        String[] a = line.substring(6).trim().split("\\s+");
        hbase.flushAndCompact(a[0], a.length > 1 ? a[1] : null);
        System.out.println("FLUSHED");
        System.out.flush();
      }
    }
    closer.close();
    // The parent ends this JVM once it reads this: an HBase mini-cluster leaves non-daemon threads
    // behind after its shutdown, so the JVM would not end by itself (ChildServer#close).
    System.out.println("STOPPED");
    System.out.flush();
  }

  /** Bytes allocated so far by every live thread of this JVM. */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean t =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
      sum += Math.max(0, b);
    }
    return sum;
  }
}
