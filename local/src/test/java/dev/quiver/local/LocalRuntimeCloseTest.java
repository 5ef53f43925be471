package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stopping {@code quiver local} (Ctrl-C, SIGTERM) closes the server, the offline service and the
 * online store while the jobs still run, which fails them: that is the stop, not a failure to
 * report. Before, the console printed {@code WARN: the materialization job of ... failed:
 * RejectedExecutionException ... Flink is restarting it} under "Stopping Quiver local...", because
 * the job watcher was closed only after those resources.
 */
class LocalRuntimeCloseTest {

  @Test
  void theJobWatcherStopsReportingBeforeAnythingElseCloses() throws Exception {
    MaterializationJobs watched =
        new MaterializationJobs(
            null,
            new PrintWriter(new StringWriter()),
            "the log",
            Duration.ofHours(1),
            Duration.ofSeconds(1));
    List<String> seen = new ArrayList<>();
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(() -> seen.add("cluster, watcher closed: " + watched.closing()));
    resources.add(watched);
    resources.add(() -> seen.add("online store, watcher closed: " + watched.closing()));
    resources.add(() -> seen.add("server, watcher closed: " + watched.closing()));
    LocalRuntime.closeAll(watched, resources);
    assertThat(seen)
        .containsExactly(
            "server, watcher closed: true",
            "online store, watcher closed: true",
            "cluster, watcher closed: true");
    assertThat(resources).isEmpty();
  }
}
