package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What {@code quiver export} and {@code quiver backfill} share: how they get an {@link
 * OfflineService} (the launcher wires the registry-backed Flink service in through the factory) and
 * how they follow a job with a progress bar.
 */
final class OfflineCommands {
  private OfflineCommands() {}

  /** How the commands get their service; tests set their own. */
  static volatile Function<QuiverConfig, OfflineService> services = FlinkOfflineServices::new;

  /**
   * The launcher's configuration, or the defaults when a command runs on its own (tests); the
   * warehouse, online store and checkpoints default to {@code quiver.data-dir}, as for {@code
   * quiver local}, so that an export or backfill reads what the local jobs wrote.
   */
  static QuiverConfig config(QuiverCli parent) {
    return LocalDefaults.apply(
        parent == null ? QuiverConfig.empty() : parent.environment().config());
  }

  static Instant time(String option, String text) {
    if (text == null) {
      return null;
    }
    Instant t;
    try {
      // a date alone or a time without a zone is UTC, as in CSV label files
      t = dev.quiver.core.offline.OfflineTimes.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option
              + ": '"
              + text
              + "' (expected: an ISO-8601 time such as 2024-05-01T00:00:00Z or"
              + " 2024-05-01T02:00:00+02:00, or a date 2024-05-01 or a time 2024-05-01T00:00"
              + " without a zone, read as UTC)");
    }
    return dev.quiver.core.offline.OfflineTimes.check(option, t);
  }

  /** Submits one job to an offline service. */
  @FunctionalInterface
  interface Submission {
    String submit(OfflineService service) throws Exception;
  }

  /**
   * Opens the configured service (or, with a {@code target} from {@link #server}, that server's,
   * over its REST API), submits the job, prints {@code "<title> <id>"}, follows the job with a
   * progress bar and hands its final status to {@code report}.
   *
   * @return 0, or 1 after printing {@code "<what> failed: <error>"} when the job failed
   */
  static int submitAndFollow(
      QuiverCli parent,
      CommandSpec spec,
      String what,
      String title,
      String target,
      Submission submission,
      BiConsumer<PrintWriter, JobStatus> report)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (OfflineService service =
        target == null
            ? services.apply(config(parent))
            : new HttpOfflineService(target, System.getenv("QUIVER_TOKEN"))) {
      String id = submission.submit(service);
      out.println(title + " " + id);
      // a job on a server outlives this process: Ctrl-C (SIGTERM) cancels it there too
      Thread hook = target == null ? null : cancelHook(service, id, out);
      JobStatus s;
      try {
        s = follow(service, id, out, 500, System.console() != null);
      } finally {
        if (hook != null) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException hookRunning) {
            // the hook is running: it cancels the job
          }
        }
      }
      // the registry's reader warnings (e.g. a view read from its DEPRECATED version)
      if (s.details().get("warnings") instanceof java.util.List<?> warnings) {
        warnings.forEach(w -> spec.commandLine().getErr().println("warning: " + w));
      }
      if (s.state() == JobStatus.State.FAILED) {
        // the service's error may already say "backfill failed: ..." (FlinkBatch.unwrap): once
        String error = s.error() == null ? "no error recorded" : s.error();
        spec.commandLine()
            .getErr()
            .println(error.startsWith(what + " failed: ") ? error : what + " failed: " + error);
        return 1;
      }
      report.accept(out, s);
      return 0;
    }
  }

  /**
   * Registers (and returns) a JVM shutdown hook that cancels the job on the server ({@code DELETE
   * /v1/offline/jobs/{id}}) and says so, for a Ctrl-C while the CLI follows the job; a job that
   * already finished is left as it is.
   */
  static Thread cancelHook(OfflineService service, String id, PrintWriter out) {
    Thread hook = new Thread(() -> cancelOnShutdown(service, id, out), "quiver-offline-cancel");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** The body of {@link #cancelHook}: cancels the job and prints the outcome on {@code out}. */
  static void cancelOnShutdown(OfflineService service, String id, PrintWriter out) {
    try {
      JobStatus s = service.cancel(id);
      out.println();
      out.println("cancelled job " + id + " (" + s.state() + ")");
    } catch (IllegalStateException | java.util.NoSuchElementException e) {
      out.println();
      out.println("job " + id + " not cancelled: " + e.getMessage());
    } catch (RuntimeException e) {
      out.println();
      out.println("cancelling job " + id + " failed: " + e.getMessage());
    }
    out.flush();
  }

  /**
   * Where the job runs: the {@code --server} (or {@code $QUIVER_SERVER}) given; else the {@code
   * quiver local} running on this data directory, if any (said on {@code out}), so that one process
   * commits to its tables and holds its online store, with its cluster up and its code compiled;
   * else (or with {@code --in-process}) null: in this process.
   */
  static String server(QuiverCli parent, JobPlacement placement, String what, PrintWriter out) {
    if (placement.inProcess) {
      return null;
    }
    if (placement.server != null && !placement.server.isBlank()) {
      return placement.server;
    }
    java.nio.file.Path data = java.nio.file.Path.of(config(parent).get(CliOptions.DATA_DIR));
    String local = dev.quiver.local.LocalRuntime.runningServer(data).orElse(null);
    if (local != null) {
      out.println(
          "running the "
              + what
              + " on the quiver local at "
              + local
              + " (it holds "
              + data
              + "; --in-process runs it here)");
    }
    return local;
  }

  /**
   * Polls the job and draws {@code [##### ] 50% 12,345 rows} until it finishes: redrawn in place on
   * a terminal; otherwise (a pipe, a log file, CI) one line each time the bar changes, so a log
   * holds a readable history instead of one long line of carriage returns.
   */
  static JobStatus follow(
      OfflineService service, String id, PrintWriter out, long pollMillis, boolean terminal)
      throws InterruptedException {
    JobStatus s = service.status(id);
    String last = null;
    while (!s.state().isFinal()) {
      String bar = bar(s);
      if (terminal) {
        out.print("\r" + bar);
        out.flush();
      } else if (!bar.equals(last)) {
        out.println(bar);
        out.flush();
      }
      last = bar;
      Thread.sleep(pollMillis);
      s = service.status(id);
    }
    out.println(terminal ? "\r" + bar(s) : bar(s));
    return s;
  }

  static String bar(JobStatus s) {
    int width = 30;
    int filled = (int) Math.round(s.progress() * width);
    return "["
        + "#".repeat(filled)
        + " ".repeat(width - filled)
        + "] "
        + String.format("%3d%%", Math.round(s.progress() * 100))
        + String.format("  %,d rows  %s", s.rows(), s.state());
  }
}
