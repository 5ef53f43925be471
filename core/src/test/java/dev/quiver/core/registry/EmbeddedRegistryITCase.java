package dev.quiver.core.registry;

import static dev.quiver.core.registry.RegistryFixtures.NS;
import static dev.quiver.core.registry.RegistryFixtures.VIEW;
import static dev.quiver.core.registry.RegistryFixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.testing.ListeningSockets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry contract on the embedded default: an H2 database file in a temporary directory. */
class EmbeddedRegistryITCase extends RegistryConcurrencyContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  @TempDir Path dir;
  private Path path;

  @Override
  protected QuiverConfig freshDatabase() {
    path = dir.resolve("registry-" + DATABASES.incrementAndGet());
    return QuiverConfig.of(
        Map.of(
            "registry.type",
            "embedded",
            "registry.path",
            path.toString(),
            "registry.pool-size",
            "4"));
  }

  @Test
  void anotherProcessSharesTheOpenDatabaseFile() throws Exception {
    applyOne(view("parent_view", 1, b -> {}));
    Process child = child(path, "child_view").redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes());
    assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output).contains("LISTED [child_view, parent_view]");
    assertThat(registry.getView(NS, "child_view", null).createdBy()).isEqualTo("child");
  }

  /** A {@link RegistryChildProcess} in its own JVM: registry at {@code registryDir}, then args. */
  private static ProcessBuilder child(Path registryDir, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                RegistryChildProcess.class.getName(),
                registryDir.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  /**
   * The process that opened the file first serves it to the others (H2 AUTO_SERVER); when it exits
   * (one {@code quiver apply} ends while another one, or {@code quiver serve}, is running), this
   * process goes on: its next transactions open the file themselves instead of failing with H2's
   * "Database is already closed".
   */
  @Test
  void keepsWorkingAfterTheProcessServingTheFileExits() throws Exception {
    registry.close(); // let the child open the file first and serve it
    Process child = child(path, "child_view", "hold").redirectErrorStream(true).start();
    try {
      var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
      StringBuilder output = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        output.append(line).append('\n');
        if (line.equals("READY")) {
          break;
        }
      }
      assertThat(output.toString()).contains("READY");
      registry = open(); // a client of the child's server
      assertThat(registry.getView(NS, "child_view", null).createdBy()).isEqualTo("child");
      child.getOutputStream().write('\n');
      child.getOutputStream().close();
      assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      applyOne(view("after_view", 1, b -> {}));
      assertThat(registry.listViews(ViewQuery.all()))
          .extracting(v -> v.view().name())
          .containsExactly("after_view", "child_view");
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * Four processes opening the file at once, as four {@code quiver apply} started together: each is
   * the first (and serves it), a client, or opens it while the server hands it over; all succeed.
   */
  @Test
  void processesOpeningTheFileAtOnceAllSucceed() throws Exception {
    registry.close();
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(child(path, "child_" + i).redirectErrorStream(true).start());
    }
    try {
      for (Process child : children) {
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
      }
    } finally {
      children.forEach(Process::destroyForcibly);
    }
    registry = open();
    assertThat(registry.listViews(ViewQuery.all()))
        .extracting(v -> v.view().name())
        .containsExactly("child_0", "child_1", "child_2", "child_3");
  }

  @Test
  void theSharedDatabaseIsServedOnLoopbackOnly() throws Exception {
    applyOne(view(1));
    // H2's auto-server writes where it listens into the lock file; other processes connect there.
    Properties lock = new Properties();
    try (var in = Files.newInputStream(path.resolve("registry.lock.db"))) {
      lock.load(in);
    }
    String server = lock.getProperty("server");
    int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
    assertThat(ListeningSockets.wildcardPorts()).as("lock file %s", lock).doesNotContain(port);
    String host = server.substring(0, server.lastIndexOf(':'));
    assertThat(java.net.InetAddress.getByName(host).isLoopbackAddress()).as(server).isTrue();
  }

  @Test
  void survivesAReopenFromTheFileAlone() {
    applyOne(view(2));
    String id = registry.getView(NS, VIEW, "v2").id();
    registry.close();
    assertThat(Files.exists(path.resolve("registry.mv.db"))).isTrue();
    registry = open();
    assertThat(registry.getView(NS, VIEW, null).id()).isEqualTo(id);
    assertThat(registry.getView(NS, VIEW, null).view()).isEqualTo(view(2));
  }

  /**
   * Separate processes that open one fresh registry directory at once (e.g. {@code quiver local}
   * and {@code quiver apply} on a first start) each migrate it under the lock file beside it: all
   * succeed, and all their views are there. Each holds the registry open until all are done: H2
   * breaks the other processes' connections when the one serving the file exits (not tested here).
   */
  @Test
  void processesOpeningAFreshDirectoryTogetherAllSucceed() throws Exception {
    Path fresh = dir.resolve("fresh-shared");
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(
          child(fresh, "child_" + i, "--hold")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("child-" + i + ".log").toFile())
              .start());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int i = 0; i < children.size(); i++) {
      Path log = dir.resolve("child-" + i + ".log");
      while (children.get(i).isAlive()
          && !Files.readString(log).contains("LISTED")
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    }
    for (Process child : children) {
      child.getOutputStream().close(); // all have applied: let them go
    }
    for (int i = 0; i < children.size(); i++) {
      Process child = children.get(i);
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child %d ended", i).isTrue();
      assertThat(child.exitValue())
          .as(Files.readString(dir.resolve("child-" + i + ".log")))
          .isZero();
    }
    try (FeatureRegistry r =
        FeatureRegistries.open(
            QuiverConfig.of(
                Map.of("registry.type", "embedded", "registry.path", fresh.toString())))) {
      assertThat(r.listViews(ViewQuery.all()).stream().map(v -> v.view().name()))
          .containsExactlyInAnyOrder("child_0", "child_1", "child_2");
    }
  }
}
