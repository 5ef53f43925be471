package dev.quiver.cli;

import picocli.CommandLine.Option;

/**
 * Where {@code quiver export} and {@code quiver backfill} run their job: the two options they share
 * (a picocli mixin); {@link OfflineCommands#server} decides.
 */
final class JobPlacement {
  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:QUIVER_SERVER}",
      description =
          "Run the job on a running Quiver server (quiver serve or quiver local), e.g."
              + " http://127.0.0.1:8080, instead of in this process (default: $QUIVER_SERVER)")
  String server;

  @Option(
      names = "--in-process",
      description =
          "Run here even when a quiver local is running on this data directory (by default the"
              + " job is sent to it)")
  boolean inProcess;
}
