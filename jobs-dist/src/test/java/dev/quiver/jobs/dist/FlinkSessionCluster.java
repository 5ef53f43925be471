package dev.quiver.jobs.dist;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink 1.20 standalone session cluster in child JVMs, started the way {@code
 * bin/start-cluster.sh} starts one: a job manager ({@code StandaloneSessionClusterEntrypoint}) and
 * a task manager ({@code TaskManagerRunner}, its memory flags computed as {@code
 * bin/taskmanager.sh} computes them) reading a {@code config.yaml} from a conf directory; and
 * {@link #flinkRun} runs {@code bin/flink run} ({@code CliFrontend}) in a third JVM.
 *
 * <p>Each JVM's class path is a Flink distribution's: the jars of {@link #DISTRIBUTION} taken from
 * this test's class path, nothing else: no Quiver class, no Kafka client or Iceberg. So a job's
 * classes can only come from the submitted jar, loaded child-first by the cluster's user code class
 * loader.
 */
final class FlinkSessionCluster implements AutoCloseable {
  /**
   * What a Flink 1.20 distribution puts on its class path (flink-dist and lib/): every {@code
   * org.apache.flink} artifact but the connectors it does not ship (Kafka), Flink's third-party
   * jars (flink-dist bundles them unrelocated), frocksdbjni (the state backend's RocksDB) and
   * log4j. groupId:artifactId, {@code *} for any artifact of the group.
   */
  static final Set<String> DISTRIBUTION =
      Set.of(
          "org.apache.flink:*",
          "com.ververica:frocksdbjni",
          "com.esotericsoftware.kryo:kryo",
          "com.esotericsoftware.minlog:minlog",
          "org.objenesis:objenesis",
          "com.twitter:chill-java",
          "org.apache.commons:commons-math3",
          "org.apache.commons:commons-lang3",
          "org.apache.commons:commons-text",
          "org.apache.commons:commons-compress",
          "commons-collections:commons-collections",
          "commons-cli:commons-cli",
          "commons-io:commons-io",
          "org.snakeyaml:snakeyaml-engine",
          "org.javassist:javassist",
          "tools.profiler:async-profiler",
          "com.ibm.icu:icu4j",
          "com.google.code.findbugs:jsr305",
          "org.lz4:lz4-java",
          "org.xerial.snappy:snappy-java",
          "org.slf4j:slf4j-api",
          "org.apache.logging.log4j:log4j-api",
          "org.apache.logging.log4j:log4j-core",
          "org.apache.logging.log4j:log4j-slf4j2-impl",
          // Hadoop's client jars, which the cluster must have for Iceberg (HADOOP_CLASSPATH or
          // lib/)
          "org.apache.hadoop:hadoop-client-api",
          "org.apache.hadoop:hadoop-client-runtime",
          "commons-logging:commons-logging");

  /** Connectors: the job jar brings them, the distribution does not have them. */
  private static final Set<String> NOT_IN_DISTRIBUTION =
      Set.of("org.apache.flink:flink-connector-kafka");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path conf;
  private final String host;
  private final int restPort;
  private final List<String> classPath;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private FlinkSessionCluster(Path dir, String host, int restPort, List<String> classPath) {
    this.dir = dir;
    this.conf = dir.resolve("conf");
    this.host = host;
    this.restPort = restPort;
    this.classPath = classPath;
  }

  /** Starts a job manager and a task manager with {@code slots} slots; waits for both. */
  static FlinkSessionCluster start(Path dir, int slots) throws Exception {
    FlinkSessionCluster c =
        new FlinkSessionCluster(dir, clusterHost(), freePort(), distributionClassPath());
    Files.createDirectories(c.conf);
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("jobmanager.rpc.address", c.host);
    conf.put("jobmanager.rpc.port", Integer.toString(freePort()));
    conf.put("jobmanager.memory.process.size", "768m");
    conf.put("rest.address", c.host);
    // the REST endpoint on the cluster's address only (the RPC and BLOB servers bind every
    // interface, Flink's default): a client that goes to 127.0.0.1 instead is refused
    conf.put("rest.bind-address", c.host);
    conf.put("rest.port", Integer.toString(c.restPort));
    conf.put("taskmanager.host", c.host);
    conf.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
    conf.put("taskmanager.memory.process.size", "1280m");
    conf.put("taskmanager.memory.managed.size", "256m");
    conf.put("parallelism.default", "1");
    conf.put("io.tmp.dirs", dir.resolve("tmp").toString());
    Files.createDirectories(dir.resolve("tmp"));
    StringBuilder yaml = new StringBuilder();
    conf.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(c.conf.resolve("config.yaml"), yaml);
    Files.writeString(
        c.conf.resolve("log4j.properties"),
        String.join(
            "\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "appender.file.type = File",
            "appender.file.name = file",
            "appender.file.fileName = ${sys:log.file}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            ""));
    try {
      c.processes.add(
          c.java(
              "jobmanager",
              List.of("-Xmx384m"),
              "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
              List.of("--configDir", c.conf.toString(), "--executionMode", "cluster")));
      // bin/taskmanager.sh: BashJavaUtils derives the JVM's memory flags and the memory options
      // that TaskManagerRunner requires (dynamic properties) from the configured process size
      Configuration tm = new Configuration();
      conf.forEach(tm::setString);
      TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(tm);
      List<String> args = new ArrayList<>(List.of("--configDir", c.conf.toString()));
      args.addAll(
          Arrays.asList(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec).split(" ")));
      c.processes.add(
          c.java(
              "taskmanager",
              Arrays.asList(ProcessMemoryUtils.generateJvmParametersStr(spec).split(" ")),
              "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
              args));
      c.awaitTaskManager(slots);
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
  }

  /** The REST endpoint, e.g. {@code http://192.0.2.2:41234}. */
  String restUrl() {
    return "http://" + host + ":" + restPort;
  }

  /** The JVMs' class path (for the test's own checks). */
  List<String> classPath() {
    return Collections.unmodifiableList(classPath);
  }

  /**
   * Runs {@code flink run ARGS} (CliFrontend with this cluster's conf directory, as {@code
   * bin/flink} does) and returns the process; its output goes to {@link #clientOutput}.
   */
  Process flinkRun(List<String> args) throws IOException {
    List<String> all = new ArrayList<>(List.of("run"));
    all.addAll(args);
    return java("client", List.of("-Xmx256m"), "org.apache.flink.client.cli.CliFrontend", all);
  }

  String clientOutput() throws IOException {
    return log("client.out");
  }

  /** A log of the cluster (jobmanager.log, taskmanager.log, client.log, *.out). */
  String log(String name) throws IOException {
    Path p = dir.resolve("log").resolve(name);
    return Files.exists(p) ? Files.readString(p) : "";
  }

  /** The last lines of every log, for a failure message. */
  String logTails() throws IOException {
    StringBuilder b = new StringBuilder();
    for (String name :
        List.of(
            "client.out", "client.log", "jobmanager.log", "taskmanager.log", "taskmanager.out")) {
      List<String> lines = log(name).lines().toList();
      b.append("\n==== ").append(name).append(" (last 60 lines)\n");
      lines
          .subList(Math.max(0, lines.size() - 60), lines.size())
          .forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

  /** GET on the REST API; the body (a JSON document). */
  String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** Cancels a job through the REST API ({@code flink cancel}). */
  void cancel(String jobId) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 202) {
      throw new IOException("cancel " + jobId + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** The job's state as the job manager reports it (RUNNING, CANCELED, ...). */
  String jobState(String jobId) throws Exception {
    return field(get("/jobs/" + jobId), "state");
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  // ------------------------------------------------------------------ internals

  private Process java(String name, List<String> jvm, String mainClass, List<String> args)
      throws IOException {
    Path logs = Files.createDirectories(dir.resolve("log"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    // the --add-opens a Flink 1.20 JVM on Java 17 needs (bin/config.sh passes them in
    // env.java.opts.all); this test JVM has the same list
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
        .forEach(cmd::add);
    cmd.add("-Dlog.file=" + logs.resolve(name + ".log"));
    cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, classPath));
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("FLINK_CONF_DIR", conf.toString());
    pb.environment().remove("HADOOP_CLASSPATH");
    pb.environment().remove("HADOOP_CONF_DIR");
    pb.redirectErrorStream(true);
    pb.redirectOutput(logs.resolve(name + ".out").toFile());
    Process p = pb.start();
    if (name.equals("client")) {
      processes.add(p);
    }
    return p;
  }

  private void awaitTaskManager(int slots) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new AssertionError(
              "a cluster process exited with " + p.exitValue() + ":" + logTails());
        }
      }
      try {
        last = get("/overview");
        if (Integer.parseInt(field(last, "slots-total")) >= slots) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the session cluster did not offer "
            + slots
            + " slots within "
            + START_TIMEOUT
            + ": "
            + last
            + logTails());
  }

  /** A scalar field of a flat JSON answer (the REST API's job and overview documents). */
  static String field(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"?([^\",}]*)\"?").matcher(json);
    if (!m.find()) {
      throw new AssertionError("no '" + name + "' in " + json);
    }
    return m.group(1);
  }

  /**
   * The address the cluster binds and advertises: a non-loopback one when the machine has it, so
   * that a client reaching the job manager at 127.0.0.1 (instead of the configured address) fails
   * here as it would against a remote cluster.
   */
  private static String clusterHost() throws IOException {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a.getHostAddress();
        }
      }
    }
    return "127.0.0.1";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * The entries of this JVM's class path that belong to a Flink distribution, by the Maven
   * coordinates of their path in the local repository ({@code .../GROUP/ARTIFACT/VERSION/x.jar}).
   */
  static List<String> distributionClassPath() {
    String repo = Path.of(System.getProperty("user.home"), ".m2", "repository").toString();
    String localRepo = System.getProperty("maven.repo.local", repo);
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String coordinates = coordinates(Path.of(localRepo), Path.of(entry));
      if (coordinates == null || NOT_IN_DISTRIBUTION.contains(coordinates)) {
        continue;
      }
      String group = coordinates.substring(0, coordinates.indexOf(':'));
      if (DISTRIBUTION.contains(coordinates) || DISTRIBUTION.contains(group + ":*")) {
        out.add(entry);
      }
    }
    return out;
  }

  /** groupId:artifactId of a jar in the local repository, or null for anything else. */
  static String coordinates(Path localRepo, Path jar) {
    Path abs = jar.toAbsolutePath().normalize();
    Path repoAbs = localRepo.toAbsolutePath().normalize();
    if (!abs.startsWith(repoAbs) || !abs.toString().endsWith(".jar")) {
      return null;
    }
    Path rel = repoAbs.relativize(abs);
    int n = rel.getNameCount();
    if (n < 4) {
      return null;
    }
    String artifact = rel.getName(n - 3).toString();
    String group =
        Arrays.stream(rel.subpath(0, n - 3).toString().split("[/\\\\]"))
            .collect(Collectors.joining("."));
    return group + ":" + artifact;
  }
}
