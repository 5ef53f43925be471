package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.offline.SnapshotRetention;
import dev.quiver.serving.Authorizer;
import dev.quiver.serving.OnlineFeatureSource;
import dev.quiver.serving.QuiverServer;
import dev.quiver.serving.ServerOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code quiver serve}: the Armeria REST service (lookups, registry, health, metrics, OpenAPI) over
 * the configured registry and online store, until the process is stopped (Ctrl-C / SIGTERM) or the
 * thread running it is interrupted.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the REST service (lookups, registry, /v1/health, /v1/metrics, OpenAPI) on"
          + " server.host:server.port (default 127.0.0.1:8080) and serves until stopped.",
      "Exit codes: 130 or 143 stopped by Ctrl-C or SIGTERM (after a graceful shutdown), 1 the port"
          + " or the embedded online store is in use, or the online store does not answer, 2 usage"
          + " or configuration error, 70 could not start."
    })
final class ServeCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Overrides server.port (0 picks a free port).")
  Integer port;

  @Option(names = "--host", paramLabel = "HOST", description = "Overrides server.host.")
  String host;

  @Override
  public Integer call() {
    CliEnvironment env = parent.environment();
    QuiverConfig config = LocalDefaults.apply(env.config());
    if (port != null) {
      config = config.with(ServerOptions.PORT.key(), port.toString());
    }
    if (host != null) {
      config = config.with(ServerOptions.HOST.key(), host);
    }
    ServerOptions options;
    try {
      options = ServerOptions.from(config); // range checks: a configuration error, exit 2
    } catch (IllegalArgumentException e) {
      throw new QuiverCli.CliUsageException(e.getMessage());
    }
    PrintWriter out = parent.spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook =
        shutdownHook(
            stopped,
            closed,
            options.shutdownQuietPeriod().plus(options.shutdownTimeout()).plusSeconds(5));
    requireEmbeddedStoreFree(config);
    OnlineFeatureSource source = OnlineFeatureSource.open(config);
    // Exports and backfills behind /v1/offline/* and /v1/backfill run on the Flink offline service.
    OfflineService offline = OfflineCommands.services.apply(config);
    // Old Iceberg snapshots of the offline tables are expired every
    // offline.snapshots.expire-interval (the streaming jobs commit one per checkpoint).
    try (offline;
        SnapshotRetention retention = SnapshotRetention.start(config);
        QuiverServer server =
            QuiverServer.start(options, env.registry(), source, Authorizer.ALLOW_ALL, offline)) {
      Runtime.getRuntime().addShutdownHook(hook);
      // offline.warm-up: the first export's start-up costs (local Flink cluster, classes, JIT)
      // paid now, in the background, on a small generated export
      offline.warmUp();
      out.println(
          "Quiver is serving on http://"
              + config.get(ServerOptions.HOST)
              + ":"
              + server.port()
              + " (health: /v1/health); stop with Ctrl-C");
      out.flush();
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // stopped by the embedding code: a normal stop
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The JVM is exiting: the hook is running, nothing to remove.
        }
      }
    } finally {
      try {
        source.close();
      } finally {
        closed.countDown();
      }
    }
    return ExitCode.OK;
  }

  /**
   * Refuses to serve an embedded store that another process (a running {@code quiver local} or
   * {@code quiver serve} on the same data directory) holds, naming the fix; before, RocksDB's
   * "While lock file: .../LOCK: Resource temporarily unavailable" exited 70 with a cause chain.
   */
  static void requireEmbeddedStoreFree(QuiverConfig config) {
    String path;
    try {
      path = BackfillCommand.heldEmbeddedStore(config);
    } catch (java.io.IOException e) {
      return; // opening the store reports what is wrong with it
    }
    if (path != null) {
      throw new IllegalArgumentException(
          "online.embedded.path: the embedded online store at "
              + path
              + " is in use by another process (a running quiver local or quiver serve); RocksDB"
              + " opens a store in one process only. Stop that process, or give this server a data"
              + " directory of its own (--set quiver.data-dir=DIR) or a store of its own (--set"
              + " online.embedded.path=DIR, or online.type: hbase, which any number of servers"
              + " share)");
    }
  }

  /**
   * The JVM shutdown hook (Ctrl-C, SIGTERM): wakes the serving thread and waits, at most {@code
   * max}, until it has stopped the server gracefully and closed the store ({@code closed}). The JVM
   * halts when its hooks return: a hook that only woke the serving thread let the JVM end during
   * the graceful stop, and in-flight requests were cut (connection reset) instead of finished.
   */
  static Thread shutdownHook(CountDownLatch stopped, CountDownLatch closed, Duration max) {
    return new Thread(
        () -> {
          stopped.countDown();
          try {
            closed.await(max.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        },
        "quiver-serve-shutdown");
  }
}
