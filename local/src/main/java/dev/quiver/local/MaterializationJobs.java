package dev.quiver.local;

import dev.quiver.serving.UpstreamCheck;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * The materialization jobs {@code quiver local} runs on its cluster, watched: a job that ends
 * (FAILED, or CANCELED or FINISHED, which a streaming job never is on its own) prints one line to
 * the console naming its view, the root cause and what to do; a job that fails and is being
 * restarted by Flink prints one line at the first failure of that episode and one when it runs
 * again ({@link RestartEpisode}, watched once a second); and {@code GET /v1/health} reports them as
 * the {@code materialization} check, which is not up while any job is not RUNNING with every task
 * running (RESTARTING, or RUNNING with tasks waiting for a slot after a failure, or ended). Before,
 * all five jobs of a loaded {@code quiver local} went FAILED while it printed nothing and its
 * health stayed UP.
 */
final class MaterializationJobs implements UpstreamCheck, AutoCloseable {
  private final MiniCluster cluster;
  private final PrintWriter out;
  private final Map<JobID, String> views = new LinkedHashMap<>();
  private final Map<JobID, RestartEpisode> episodes =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final String log;
  private final Duration stable;
  private final ScheduledExecutorService watcher;
  private volatile boolean closing;

  /**
   * @param out the console
   * @param log where the full traces are, as the console names it
   * @param poll how often each job is looked at for restarts
   * @param stable how long a restarted job runs with every task running before it counts as
   *     recovered
   */
  MaterializationJobs(
      MiniCluster cluster, PrintWriter out, String log, Duration poll, Duration stable) {
    this.cluster = cluster;
    this.out = out;
    this.log = log;
    this.stable = stable;
    this.watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "quiver-local-job-watcher");
              t.setDaemon(true);
              return t;
            });
    watcher.scheduleWithFixedDelay(
        this::lookForRestarts, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Watches a submitted job of {@code view} ({@code namespace.name:vN}). */
  void watch(JobID id, String view) {
    views.put(id, view);
    episodes.put(id, new RestartEpisode(view, log, stable));
    cluster
        .requestJobResult(id)
        .whenComplete(
            (result, error) -> {
              episodes.remove(id); // its end is reported once, here
              print(endedLine(view, result, error));
            });
  }

  private synchronized void print(String line) {
    if (closing) {
      return; // quiver local is stopping: the cluster ends its jobs
    }
    out.println(line);
    out.flush();
  }

  /** One look at each job still running: a first failure or a recovery prints its line. */
  private void lookForRestarts() {
    for (Map.Entry<JobID, RestartEpisode> e : episodes.entrySet()) {
      if (closing) {
        return;
      }
      AccessExecutionGraph g;
      try {
        g = cluster.getExecutionGraph(e.getKey()).get(10, TimeUnit.SECONDS);
      } catch (Exception | LinkageError notNow) {
        continue; // the cluster is busy or stopping: the next look, or the job's end, tells
      }
      if (g.getState().isGloballyTerminalState()) {
        continue; // its end is reported by watch()
      }
      var failure = g.getFailureInfo();
      String line =
          e.getValue()
              .observe(
                  allRunning(g),
                  failure == null ? 0 : failure.getTimestamp(),
                  failure == null ? null : oneLine(failure.getException()),
                  System.currentTimeMillis());
      if (line != null && episodes.containsKey(e.getKey())) {
        print(line);
      }
    }
  }

  MiniCluster cluster() {
    return cluster;
  }

  /** The job ids and their views, in submission order. */
  Map<JobID, String> jobs() {
    return java.util.Collections.unmodifiableMap(views);
  }

  /** The console line of a job that ended while {@code quiver local} ran. */
  static String endedLine(String view, JobResult result, Throwable error) {
    String state;
    String cause;
    if (result == null) {
      state = "UNKNOWN";
      cause = oneLine(error);
    } else {
      state =
          switch (result.getApplicationStatus()) {
            case SUCCEEDED -> JobStatus.FINISHED.name();
            case CANCELED -> JobStatus.CANCELED.name();
            case FAILED -> JobStatus.FAILED.name();
            default -> result.getApplicationStatus().name();
          };
      cause = result.getSerializedThrowable().map(MaterializationJobs::oneLine).orElse(null);
    }
    return "ERROR: the materialization job of "
        + view
        + " is "
        + state
        + (cause == null ? "" : ": " + cause)
        + ". Its lookups keep answering the last values written (their ts stops advancing)."
        + " Restart quiver local (make run) to run it again: the restart starts over with empty"
        + " stores and a new broker, and sets this run's data aside in previous-run/.";
  }

  /**
   * The cause in one line: the first exception under Flink's wrappers (e.g. NoResourceAvailable
   * under "Recovery is suppressed by ...") and, when another, the innermost one.
   */
  static String oneLine(Throwable e) {
    if (e == null) {
      return null;
    }
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    Throwable first = chain.stream().filter(t -> !WRAPPERS.contains(type(t))).findFirst().orElse(e);
    Throwable root = chain.get(chain.size() - 1);
    String line = first == root ? text(root) : text(first) + " (caused by " + text(root) + ")";
    String fix = dev.quiver.jobs.DataDirFailure.fixFor(e);
    return fix == null ? line : line + "; " + fix;
  }

  private static final java.util.Set<String> WRAPPERS =
      java.util.Set.of(
          "JobException",
          "JobExecutionException",
          "CompletionException",
          "ExecutionException",
          "FlinkException",
          "FlinkRuntimeException");

  private static String type(Throwable t) {
    String type =
        t instanceof org.apache.flink.util.SerializedThrowable s
            ? s.getOriginalErrorClassName()
            : t.getClass().getName();
    return type.substring(type.lastIndexOf('.') + 1);
  }

  private static String text(Throwable t) {
    String type = type(t);
    String message = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
    if (t instanceof org.apache.flink.util.SerializedThrowable s
        && message.startsWith(s.getOriginalErrorClassName())) {
      // a serialized exception's message is the original's toString(): "a.b.Type: message"
      message = message.substring(s.getOriginalErrorClassName().length());
      message = message.startsWith(":") ? message.substring(1).strip() : message.strip();
    }
    return message.isBlank() ? type : type + ": " + message;
  }

  @Override
  public String name() {
    return "materialization";
  }

  @Override
  public CompletableFuture<Result> check() {
    List<CompletableFuture<Map<String, Object>>> each = new ArrayList<>();
    views.forEach((id, view) -> each.add(describe(id, view)));
    return CompletableFuture.allOf(each.toArray(new CompletableFuture[0]))
        .thenApply(
            v -> {
              List<Map<String, Object>> jobs = each.stream().map(CompletableFuture::join).toList();
              List<String> bad = new ArrayList<>();
              for (Map<String, Object> j : jobs) {
                if (!Boolean.TRUE.equals(j.remove("up"))) {
                  bad.add(
                      j.get("view")
                          + " "
                          + j.get("state")
                          + (j.containsKey("tasks") ? " (tasks " + j.get("tasks") + ")" : "")
                          + (j.containsKey("error") ? ": " + j.get("error") : ""));
                }
              }
              String error =
                  bad.isEmpty()
                      ? null
                      : bad.size()
                          + " of "
                          + jobs.size()
                          + " jobs not running: "
                          + String.join("; ", bad)
                          + "; their lookups answer the last values written (ts stops advancing)";
              return new Result(bad.isEmpty(), error, Map.of("jobs", jobs));
            });
  }

  private CompletableFuture<Map<String, Object>> describe(JobID id, String view) {
    return cluster
        .getExecutionGraph(id)
        .<Map<String, Object>>thenApply(g -> describe(view, g))
        .exceptionally(
            t -> {
              Map<String, Object> j = new LinkedHashMap<>();
              j.put("view", view);
              j.put("job_id", id.toHexString());
              j.put("state", "UNKNOWN");
              j.put("error", oneLine(t));
              j.put("up", false);
              return j;
            });
  }

  static Map<String, Object> describe(String view, AccessExecutionGraph g) {
    Map<String, Integer> tasks = new TreeMap<>();
    for (AccessExecutionVertex v : g.getAllExecutionVertices()) {
      tasks.merge(v.getExecutionState().name(), 1, Integer::sum);
    }
    boolean up = allRunning(g);
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("view", view);
    j.put("job_id", g.getJobID().toHexString());
    j.put("state", g.getState().name());
    j.put("tasks", tasks);
    if (g.getFailureInfo() != null) {
      // a running job's last failure, which it recovered from, is not its error
      j.put(up ? "last_failure" : "error", oneLine(g.getFailureInfo().getException()));
    }
    j.put("up", up);
    return j;
  }

  /** Whether the job is RUNNING with every task running (none waiting for a slot, say). */
  static boolean allRunning(AccessExecutionGraph g) {
    if (g.getState() != JobStatus.RUNNING) {
      return false;
    }
    for (AccessExecutionVertex v : g.getAllExecutionVertices()) {
      if (v.getExecutionState() != ExecutionState.RUNNING) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@link #close()} was called: no job's failure or end is reported any more. */
  boolean closing() {
    return closing;
  }

  /** Stops reporting ended jobs: the runtime is closing and ends them itself. */
  @Override
  public void close() {
    closing = true;
    watcher.shutdownNow();
  }
}
