package dev.quiver.savepoints;

import dev.quiver.core.spec.Version;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Takes a savepoint of a view's running materialization job through {@link FlinkRest}: finds the
 * job by its name ({@code quiver-materialize-NAMESPACE.VIEW-vVERSION}, as {@code
 * dev.quiver.jobs.Materializer#jobName} names it), triggers the savepoint (or stops the job with
 * one), and waits for its location.
 */
public final class SavepointTrigger {
  private static final String PREFIX = "quiver-materialize-";

  private final FlinkRest rest;
  private final Duration poll;

  public SavepointTrigger(FlinkRest rest, Duration poll) {
    this.rest = rest;
    this.poll = poll;
  }

  /** A completed savepoint: its job and where it is. */
  public record Taken(FlinkRest.Job job, String location, boolean stopped) {}

  /**
   * The running job of {@code namespace.view}, of {@code version} when not null.
   *
   * @throws SavepointException NOT_FOUND naming the jobs the cluster runs, INVALID when several
   *     versions of the view run and none was named
   */
  public FlinkRest.Job runningJob(String namespace, String view, String version) {
    String prefix = PREFIX + namespace + "." + view + "-";
    String wanted = version == null ? null : Version.parse(version).toString();
    List<FlinkRest.Job> all = rest.jobs();
    List<FlinkRest.Job> ofView =
        all.stream()
            .filter(j -> j.name().startsWith(prefix))
            .filter(j -> j.name().substring(prefix.length()).matches("v\\d+(\\.\\d+)?"))
            .filter(j -> wanted == null || j.name().substring(prefix.length()).equals(wanted))
            .toList();
    List<FlinkRest.Job> running = ofView.stream().filter(j -> j.state().equals("RUNNING")).toList();
    String named = namespace + "." + view + (wanted == null ? "" : ":" + wanted);
    if (running.size() == 1) {
      return running.get(0);
    }
    if (running.size() > 1) {
      throw new SavepointException(
          SavepointException.Kind.INVALID,
          "several jobs of "
              + named
              + " run on "
              + rest.url()
              + " ("
              + describe(running)
              + "); name the version: quiver savepoint trigger "
              + named
              + ":VERSION");
    }
    String others =
        ofView.isEmpty()
            ? "it runs "
                + (all.isEmpty()
                    ? "no jobs"
                    : describe(all.stream().filter(j -> j.state().equals("RUNNING")).toList()))
            : "the view's jobs there: " + describe(ofView);
    throw new SavepointException(
        SavepointException.Kind.NOT_FOUND,
        "no running job of "
            + named
            + " on the Flink cluster at "
            + rest.url()
            + " ("
            + others
            + "); start it with quiver materialize "
            + named
            + ", or pass --flink URL of the cluster it runs on (quiver local prints its"
            + " cluster's as flink:)");
  }

  private static String describe(List<FlinkRest.Job> jobs) {
    if (jobs.isEmpty()) {
      return "no running jobs";
    }
    return jobs.stream()
        .map(j -> j.name() + " " + j.state() + " (job " + j.id() + ")")
        .collect(Collectors.joining(", "));
  }

  /**
   * Triggers a savepoint of {@code job} into {@code targetDirectory} (or stops it with one when
   * {@code stop}) and waits up to {@code timeout} for it, calling {@code progress} with a line
   * about every 5 s.
   *
   * @throws SavepointException FAILED with Flink's reason, or when it takes longer than {@code
   *     timeout} (naming the request to ask Flink about)
   */
  public Taken take(
      FlinkRest.Job job,
      String targetDirectory,
      boolean stop,
      Duration timeout,
      Consumer<String> progress) {
    String target = directoryUri(targetDirectory);
    String request = rest.trigger(job.id(), target, stop);
    long start = System.nanoTime();
    long lastReport = start;
    while (true) {
      FlinkRest.Status s = rest.status(job.id(), request);
      if (s.done()) {
        if (s.location() == null) {
          throw new SavepointException(
              SavepointException.Kind.FAILED,
              "the savepoint of "
                  + job.name()
                  + " (job "
                  + job.id()
                  + ") into "
                  + target
                  + " failed: "
                  + s.failure()
                  + (stop ? "; the job keeps running" : "")
                  + ". Check that the JobManager can write "
                  + target
                  + " (--dir, savepoints.dir) and that the job is healthy (its checkpoints"
                  + " complete), then try again");
        }
        return new Taken(job, s.location(), stop);
      }
      long now = System.nanoTime();
      Duration waited = Duration.ofNanos(now - start);
      if (waited.compareTo(timeout) > 0) {
        throw new SavepointException(
            SavepointException.Kind.FAILED,
            "the savepoint of "
                + job.name()
                + " did not complete in "
                + timeout.toSeconds()
                + " s; Flink may still finish it: GET "
                + rest.url()
                + "/jobs/"
                + job.id()
                + "/savepoints/"
                + request
                + " gives its location");
      }
      if (Duration.ofNanos(now - lastReport).toSeconds() >= 5) {
        lastReport = now;
        progress.accept(
            (stop ? "stopping " : "savepoint of ")
                + job.name()
                + ": in progress ("
                + waited.toSeconds()
                + " s)");
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SavepointException(
            SavepointException.Kind.FAILED, "interrupted while waiting for the savepoint", e);
      }
    }
  }

  /** A path as the absolute {@code file:} URI Flink needs; a URI as given. */
  static String directoryUri(String pathOrUri) {
    if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*")) {
      return pathOrUri;
    }
    return Path.of(pathOrUri).toAbsolutePath().normalize().toUri().toString();
  }
}
