package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.RegistrySpecContext;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.local.LocalRuntime;
import dev.quiver.offline.SnapshotRetention;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code quiver local}: the whole product on this machine (what {@code make run} starts). */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Starts everything embedded: a Kafka broker with sample events, the example specs, one"
          + " materialization job per streaming view, the online store, Iceberg tables on the local"
          + " disk and the REST server. Ctrl-C stops it cleanly.",
      "The server listens on server.host:server.port (default 127.0.0.1:8080); when 8080 is taken:"
          + " quiver local --set server.port=18080. Kafka and Flink take free ports.",
      "Exit codes: 130 or 143 stopped by Ctrl-C or SIGTERM, 1 the server port is in use, 2 usage"
          + " or configuration error, or the data directory is in use by another quiver local."
    })
final class LocalCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;
  @Spec CommandSpec spec;

  @Option(
      names = "--examples",
      paramLabel = "DIR",
      defaultValue = "examples",
      description = "Specs applied at start (default: ${DEFAULT-VALUE}).")
  Path examples;

  @Option(
      names = "--rate",
      paramLabel = "N",
      defaultValue = "20",
      description = "Sample events per second per source (default: ${DEFAULT-VALUE}).")
  int rate;

  @Override
  public Integer call() throws Exception {
    if (rate < 1) {
      throw new QuiverCli.CliUsageException(
          "--rate: " + rate + " (expected: sample events per second per source, at least 1)");
    }
    if (!Files.exists(examples)
        && spec.commandLine().getParseResult().hasMatchedOption("--examples")) {
      // the default (examples/ of the working directory) may be absent; a named one must not be
      throw new QuiverCli.CliUsageException(
          "--examples: "
              + examples.toAbsolutePath()
              + " (no such file or directory; name your specs' directory, e.g. --examples examples/)");
    }
    QuiverConfig config = parent.environment().config();
    dev.quiver.serving.ServerOptions server;
    try {
      // before anything starts: the server is the last thing quiver local starts
      server = dev.quiver.serving.ServerOptions.from(config);
    } catch (IllegalArgumentException e) {
      throw new QuiverCli.CliUsageException(e.getMessage());
    }
    Path data = Path.of(config.get(CliOptions.DATA_DIR)).toAbsolutePath();
    PrintWriter out = parent.spec.commandLine().getOut();
    FeatureRegistry registry = parent.environment().registry();
    try {
      // before the examples are applied to the registry a running quiver local uses
      LocalRuntime.requireDataDirFree(data);
    } catch (LocalRuntime.DataDirInUseException e) {
      throw new QuiverCli.CliUsageException(e.getMessage());
    }
    // A port another process holds (make run beside another server on 8080) would otherwise be
    // found only once Kafka, Flink and the jobs are up, tens of seconds later.
    requirePortFree(server.host(), server.port());
    if (Files.exists(examples)) {
      // Several versions of one view (e.g. v3 and v4) are applied in waves, as quiver apply does.
      SpecParser.ParseResult parsed =
          SpecParser.parsePath(examples, new RegistrySpecContext(registry));
      int changed = 0;
      for (SpecBundle wave : ApplyWaves.split(parsed.bundle())) {
        ApplyResult result;
        try {
          result = registry.apply(wave, parent.environment().actor(), false);
        } catch (RegistryException e) {
          if (e.kind() != RegistryException.Kind.BREAKING_CHANGE) {
            throw e;
          }
          // a view revised since with quiver apply (a feature added): the registry's "bump the
          // version" alone read as if the user had applied this directory
          throw new RegistryException(
              e.kind(),
              e.getMessage()
                  + "\nquiver local applies the specs in "
                  + examples.toAbsolutePath()
                  + " at every start, and the registry holds a newer revision than they do"
                  + " (applied since with quiver apply): to start, bring the view's file there up"
                  + " to date (quiver describe VIEW > FILE writes the registry's spec), or start"
                  + " with --examples naming a directory without it",
              e.field());
        }
        changed +=
            (int)
                result.changes().stream()
                    .filter(c -> !"UNCHANGED".equalsIgnoreCase(c.action()))
                    .count();
      }
      out.println("Applied " + examples.toAbsolutePath() + " (" + changed + " changes).");
    }
    LocalRuntime rt;
    try {
      rt =
          LocalRuntime.start(
              config,
              registry,
              new LocalRuntime.Settings(data, null, rate, MaterializeCommand.LOG_FILE),
              out,
              OfflineCommands.services);
    } catch (LocalRuntime.DataDirInUseException e) {
      throw new QuiverCli.CliUsageException(e.getMessage());
    }
    // Old Iceberg snapshots of the jobs' offline tables are expired every
    // offline.snapshots.expire-interval (the jobs commit one per checkpoint).
    SnapshotRetention retention;
    try {
      retention = SnapshotRetention.start(rt.config());
    } catch (RuntimeException e) {
      rt.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("\nStopping Quiver local...");
                  out.flush();
                  retention.close();
                  rt.close();
                  stopped.countDown();
                }));
    banner(out, rt, data);
    stopped.await();
    return ExitCode.OK;
  }

  /**
   * Fails with the server's own {@link dev.quiver.serving.PortInUseException} when {@code
   * host:port} cannot be bound now. A probe, not a reservation: the port is released at once, and
   * the server binds it again when it starts (with SO_REUSEADDR, as the server does).
   */
  static void requirePortFree(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new dev.quiver.serving.PortInUseException(host, port, e);
    } catch (IOException e) {
      // not a port in use (e.g. a host name that does not resolve): the server's start reports it
    }
  }

  static void banner(PrintWriter out, LocalRuntime rt, Path data) {
    String base = "http://127.0.0.1:" + rt.port();
    out.println();
    out.println("Quiver is running locally.");
    out.println("  jobs:      " + String.join(", ", rt.jobs()));
    rt.skipped().forEach(s -> out.println("  skipped:   " + s));
    out.println(
        "  data:      " + data + "  (registry, online store, Iceberg warehouse, checkpoints)");
    out.println("  kafka:     " + rt.config().get(dev.quiver.jobs.JobOptions.KAFKA_BOOTSTRAP));
    out.println(
        "  rejected:  "
            + String.join(", ", rt.deadLetterTopics())
            + "  (dead-letter topics: malformed, too-late and too-early events and deletes,"
            + " original bytes, reason in header quiver.dlq.reason)");
    out.println(
        "  flink:     "
            + rt.flinkUrl()
            + "  (the jobs; their metrics quiverDeadLetterMalformed, quiverDeadLetterTooLate,"
            + " quiverDeadLetterTooEarly, quiverDeadLetterNotMaterialized,"
            + " quiverDuplicatesDropped)");
    out.println("  health:    " + base + "/v1/health");
    out.println("  metrics:   " + base + "/v1/metrics");
    out.println("  views:     " + base + "/v1/registry/featureViews");
    rt.sampleLookup()
        .ifPresent(
            body -> {
              out.println("  lookup:");
              out.println(
                  "    curl -s "
                      + base
                      + "/v1/features:lookup -H 'content-type: application/json' -d '"
                      + body
                      + "'");
            });
    out.println(
        "  Values change every few seconds as sample events arrive. Ctrl-C stops everything.");
    out.flush();
  }
}
