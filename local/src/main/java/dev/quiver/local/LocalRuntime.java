package dev.quiver.local;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.ViewStatus;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.ViewResolution;
import dev.quiver.kafka.EmbeddedKafka;
import dev.quiver.serving.Authorizer;
import dev.quiver.serving.OnlineFeatureSource;
import dev.quiver.serving.QuiverServer;
import dev.quiver.serving.ServerOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The whole product in one JVM ({@code quiver local}, {@code make run}): an embedded KRaft Kafka
 * broker, the example specs applied to the registry, a generator of sample events per Kafka source,
 * one materialization job per streaming view on a local Flink MiniCluster, the embedded online
 * store, Iceberg tables on the local disk, and the REST server. {@link #close()} stops everything
 * in reverse order.
 */
public final class LocalRuntime implements AutoCloseable {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<String> jobs = new ArrayList<>();
  private final List<ViewResolution> running = new ArrayList<>();
  private final List<String> deadLetterTopics = new ArrayList<>();
  private String flinkUrl;
  private MaterializationJobs watched;
  private final List<String> skipped = new ArrayList<>();
  private EmbeddedKafka kafka;
  private QuiverServer server;
  private QuiverConfig config;
  private java.util.function.Function<QuiverConfig, dev.quiver.core.offline.OfflineService>
      offlineFactory;

  /**
   * What to start.
   *
   * @param log where the process's log is (a file), which the console names when a job fails; null
   *     says "the log"
   */
  public record Settings(Path dataDir, Path examples, int eventsPerSecond, String log) {
    public Settings(Path dataDir, Path examples, int eventsPerSecond) {
      this(dataDir, examples, eventsPerSecond, null);
    }
  }

  /**
   * Starts everything; returns once the server listens and the jobs are submitted.
   *
   * @param base the configuration (registry, server options); Kafka, online, offline and job
   *     locations are set under {@code dataDir} unless given
   */
  public static LocalRuntime start(
      QuiverConfig base, FeatureRegistry registry, Settings settings, PrintWriter out)
      throws Exception {
    return start(base, registry, settings, out, null);
  }

  /**
   * Like {@link #start(QuiverConfig, FeatureRegistry, Settings, PrintWriter)}, with the offline
   * jobs service (exports, backfills) behind the server's {@code /v1/offline/*} and {@code
   * /v1/backfill} routes, built from the local configuration (so it reads the same Iceberg
   * warehouse the jobs write); null leaves those routes answering 503.
   */
  public static LocalRuntime start(
      QuiverConfig base,
      FeatureRegistry registry,
      Settings settings,
      PrintWriter out,
      java.util.function.Function<QuiverConfig, dev.quiver.core.offline.OfflineService> offline)
      throws Exception {
    LocalRuntime rt = new LocalRuntime();
    rt.offlineFactory = offline;
    try {
      rt.run(base, registry, settings, out);
      return rt;
    } catch (Exception e) {
      rt.close();
      throw e;
    }
  }

  /**
   * The local cluster's configuration: the jobs' settings (its REST endpoint on a free loopback
   * port among them, {@link LocalFlink}) and a slot per view (at least 4).
   */
  static Configuration clusterConfiguration(QuiverConfig config, int views) {
    Configuration flink = LocalFlink.configuration(config, null, true);
    // Restarts as LocalFlink's (exponential delay, LocalFlink.RESTART_POLICY).
    flink.setString("taskmanager.numberOfTaskSlots", Integer.toString(Math.max(4, views)));
    flink.setString("taskmanager.memory.managed.size", "512m");
    return flink;
  }

  /** How the local cluster restarts a failed job, as the console tells it. */
  static final String RESTART_POLICY = LocalFlink.RESTART_POLICY;

  static MiniCluster newCluster(Configuration flink) {
    return new MiniCluster(
        new MiniClusterConfiguration.Builder()
            .setConfiguration(flink)
            .setNumTaskManagers(1)
            .setNumSlotsPerTaskManager(flink.getInteger("taskmanager.numberOfTaskSlots", 4))
            .build());
  }

  private void run(QuiverConfig base, FeatureRegistry registry, Settings s, PrintWriter out)
      throws Exception {
    Files.createDirectories(s.dataDir());
    resources.add(lockDataDir(s.dataDir()));
    setAsidePreviousRun(base, s.dataDir(), out);
    out.println("Starting Kafka (embedded KRaft broker)...");
    out.flush();
    kafka = EmbeddedKafka.start();
    resources.add(kafka);
    config = withLocalDefaults(base, s.dataDir(), kafka.bootstrapServers());

    if (s.examples() != null && Files.exists(s.examples())) {
      out.println("Applying " + s.examples() + " to the registry...");
      out.flush();
      var parsed = SpecParser.parsePath(s.examples());
      var applied = registry.apply(parsed.bundle(), "quiver-local", false);
      out.println("  " + applied);
    }

    List<ViewResolution> views = new ArrayList<>();
    Map<String, Source> sources = new LinkedHashMap<>();
    Map<String, java.time.Duration> lateness = new HashMap<>();
    for (FeatureView v : materializedVersions(registry)) {
      views.add(new ViewResolution(v, ViewResolution.keys(registry, v)));
      sources.putIfAbsent(v.source().option("topic"), v.source());
      lateness.merge(
          v.source().option("topic"), v.allowedLateness(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
    List<String> topics = new ArrayList<>();
    for (Map.Entry<String, Source> e : sources.entrySet()) {
      String dlq = dev.quiver.jobs.StreamingPipeline.deadLetterTopic(e.getValue(), config);
      topics.addAll(List.of(e.getKey(), dlq));
      deadLetterTopics.add(dlq);
    }
    kafka.ensureTopics(topics, 1);

    Configuration flink = clusterConfiguration(config, views.size());
    MiniCluster cluster = newCluster(flink);
    cluster.start();
    resources.add(cluster);
    flinkUrl = restUrl(cluster);
    watched =
        new MaterializationJobs(
            cluster,
            out,
            s.log() == null ? "the log" : s.log(),
            java.time.Duration.ofSeconds(1),
            java.time.Duration.ofSeconds(10));
    resources.add(watched); // also closed first of all, see closeAll
    for (ViewResolution v : views) {
      String name = v.view().qualifiedName() + ":" + v.view().version();
      try {
        Configuration job = new Configuration(flink);
        job.setString("pipeline.name", Materializer.jobName(v.view()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job);
        Materializer.build(env, v.view(), v.keys(), config);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        watched.watch(cluster.submitJob(graph).get().getJobID(), name);
        jobs.add(name);
        running.add(v);
      } catch (Exception | LinkageError e) {
        skipped.add(name + ": " + rootMessage(e));
      }
    }

    SampleProducer producer =
        new SampleProducer(
            kafka.bootstrapServers(), List.copyOf(sources.values()), lateness, s.eventsPerSecond());
    producer.start();
    resources.add(producer);

    OnlineFeatureSource source = OnlineFeatureSource.open(config);
    resources.add(source);
    dev.quiver.core.offline.OfflineService offline = null;
    if (offlineFactory != null) {
      offline = offlineFactory.apply(config);
      resources.add(offline);
    }
    server =
        QuiverServer.start(
            ServerOptions.from(config),
            registry,
            source,
            Authorizer.ALLOW_ALL,
            offline,
            // a second's staleness, so that a storm of health probes does not each ask Flink
            List.of(CachedCheck.of(watched, java.time.Duration.ofSeconds(1))));
    resources.add(server);
    resources.add(advertise(s.dataDir(), "http://127.0.0.1:" + server.port()));
  }

  /** Where a running {@code quiver local} writes its server's URL, beside {@value #LOCK_FILE}. */
  static final String URL_FILE = "local.url";

  /**
   * Writes the server's URL into the data directory, so that {@code quiver export} and {@code
   * quiver backfill} on the same directory send their jobs to this server ({@link
   * #runningServer(Path)}); deleted when the returned handle closes.
   */
  static AutoCloseable advertise(Path dataDir, String url) throws java.io.IOException {
    Path file = dataDir.resolve(URL_FILE);
    Files.writeString(file, url + "\n");
    return () -> Files.deleteIfExists(file);
  }

  /**
   * The URL of the {@code quiver local} that is running on {@code dataDir} (it holds {@value
   * #LOCK_FILE} and wrote {@value #URL_FILE}), or empty: none is, or one stopped without cleaning
   * up (its lock is free).
   */
  public static java.util.Optional<String> runningServer(Path dataDir) {
    Path url = dataDir.resolve(URL_FILE);
    Path lock = dataDir.resolve(LOCK_FILE);
    if (!Files.isRegularFile(url) || !Files.isRegularFile(lock)) {
      return java.util.Optional.empty();
    }
    try {
      if (!dev.quiver.core.io.FileLocks.isHeld(lock)) {
        return java.util.Optional.empty(); // a stale file: nothing runs there
      }
      String text = Files.readString(url).trim();
      return text.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(text);
    } catch (java.io.IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** The lock file that one running {@code quiver local} holds in its data directory. */
  static final String LOCK_FILE = "local.lock";

  /**
   * Takes the data directory for this run: an exclusive lock on {@value #LOCK_FILE}, released when
   * the returned handle closes (or the process ends). A second {@code quiver local} on the same
   * directory is refused before it touches anything (it would set the running one's data aside).
   */
  static AutoCloseable lockDataDir(Path dataDir) throws java.io.IOException {
    return dev.quiver.core.io.FileLocks.tryLock(dataDir.resolve(LOCK_FILE))
        .orElseThrow(
            () ->
                new DataDirInUseException(
                    "data directory "
                        + dataDir
                        + " is in use by another quiver local (stop it first, or give this one its"
                        + " own directory: --set quiver.data-dir=DIR)"));
  }

  /**
   * Refuses at once when another {@code quiver local} holds {@code dataDir}, so that the CLI can
   * check before it applies the example specs to the registry that the running one uses (before: a
   * second {@code quiver local} applied them, then stopped on the lock). The run takes the lock
   * itself when it starts.
   */
  public static void requireDataDirFree(Path dataDir) throws java.io.IOException {
    if (!Files.isDirectory(dataDir)) {
      return;
    }
    try {
      lockDataDir(dataDir).close();
    } catch (java.io.IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new java.io.IOException(e);
    }
  }

  /** Another {@code quiver local} holds the data directory (a configuration problem). */
  public static final class DataDirInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DataDirInUseException(String message) {
      super(message);
    }
  }

  /**
   * What a run writes under the data directory by default: the option that names each place, and
   * the folder (also the CLI's defaults for its other commands). The registry is not among them: it
   * outlives runs.
   */
  public static final Map<String, String> RUN_DIRS =
      Map.of(
          "online.embedded.path",
          "online",
          "offline.warehouse",
          "warehouse",
          JobOptions.CHECKPOINT_DIR.key(),
          "checkpoints");

  /** The folder under the data directory that keeps the previous run's data. */
  static final String PREVIOUS_RUN = "previous-run";

  /**
   * Moves the previous run's online store, Iceberg warehouse and checkpoints (those in their
   * default place under the data directory, whether the configuration names that place or not; not
   * those it sets elsewhere) to {@value #PREVIOUS_RUN}/, replacing what an earlier start left
   * there. The embedded broker starts empty every time, so the jobs start without state: kept in
   * place, their first upsert of a tile the previous run wrote would replace it with the new run's
   * events alone while the Iceberg table keeps every row, and online values and training sets would
   * disagree. Nothing is deleted but the run before the previous one.
   */
  static void setAsidePreviousRun(QuiverConfig base, Path dataDir, PrintWriter out)
      throws java.io.IOException {
    Path previous = dataDir.resolve(PREVIOUS_RUN);
    boolean cleared = false;
    for (Map.Entry<String, String> d : RUN_DIRS.entrySet()) {
      Path dir = dataDir.resolve(d.getValue());
      String configured = base.asMap().get(d.getKey());
      boolean elsewhere =
          configured != null
              && !Path.of(configured)
                  .toAbsolutePath()
                  .normalize()
                  .equals(dir.toAbsolutePath().normalize());
      if (elsewhere || !Files.isDirectory(dir)) {
        continue;
      }
      if (!cleared) {
        if (Files.exists(previous)) {
          org.apache.flink.util.FileUtils.deleteDirectory(previous.toFile());
        }
        Files.createDirectories(previous);
        cleared = true;
      }
      Files.move(dir, previous.resolve(d.getValue()));
    }
    if (cleared) {
      out.println(
          "Moved the previous run's online store and Iceberg tables to "
              + previous
              + " (the embedded broker starts empty, so the jobs start without state; kept in"
              + " place, online values and training sets would disagree).");
      out.flush();
    }
  }

  /** Kafka, the online store, Iceberg and checkpoints under the data directory unless set. */
  static QuiverConfig withLocalDefaults(QuiverConfig base, Path dataDir, String bootstrap) {
    QuiverConfig c = base.with(JobOptions.KAFKA_BOOTSTRAP.key(), bootstrap);
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("online.type", "embedded");
    RUN_DIRS.forEach((key, dir) -> defaults.put(key, dataDir.resolve(dir).toString()));
    defaults.put(JobOptions.CHECKPOINT_INTERVAL.key(), "10s");
    for (Map.Entry<String, String> e : defaults.entrySet()) {
      if (!base.asMap().containsKey(e.getKey())) {
        c = c.with(e.getKey(), e.getValue());
      }
    }
    return c;
  }

  public List<String> jobs() {
    return jobs;
  }

  /** The running jobs and the cluster they run on (tests end one on purpose). */
  MaterializationJobs watchedJobs() {
    return watched;
  }

  /** The local Flink cluster's REST endpoint and web UI: the jobs and their metrics. */
  public String flinkUrl() {
    return flinkUrl;
  }

  /** The dead-letter topics of the materialized sources. */
  public List<String> deadLetterTopics() {
    return List.copyOf(deadLetterTopics);
  }

  /**
   * The REST endpoint of a started local cluster, on 127.0.0.1 (where it listens; Flink answers
   * "localhost").
   */
  static String restUrl(MiniCluster cluster) throws Exception {
    return "http://127.0.0.1:" + cluster.getRestAddress().get().getPort();
  }

  /**
   * A lookup request body for a first try, over the running views (see {@link SampleLookup}); empty
   * when no running view has exactly one entity.
   */
  public java.util.Optional<String> sampleLookup() {
    return SampleLookup.body(running);
  }

  public List<String> skipped() {
    return skipped;
  }

  public int port() {
    return server.port();
  }

  public QuiverConfig config() {
    return config;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse("");
  }

  @Override
  public void close() {
    closeAll(watched, resources);
  }

  /**
   * Closes {@code resources} in reverse order, keeping on past a failure; the job watcher first:
   * closing the server, the offline service and the online store fails the jobs still running, and
   * that is the stop, not a failure to print.
   */
  static void closeAll(MaterializationJobs watched, List<AutoCloseable> resources) {
    if (watched != null) {
      watched.close();
    }
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    resources.clear();
  }

  /**
   * The view versions {@code quiver local} materializes: of every view, the newest revision of each
   * major that {@link #runsAJob runs a job}. Before: only each view's newest version was
   * considered, so a DRAFT v2 left the ACTIVE v1 (what {@code latest} lookups read) without a job,
   * and a v2 stopped the v1 that consumers pinned to {@code view:v1} still read.
   */
  public static List<FeatureView> materializedVersions(FeatureRegistry registry) {
    List<FeatureView> out = new ArrayList<>();
    for (ViewRecord r : registry.listViews(ViewQuery.all())) {
      Map<Integer, FeatureView> newestOfMajor = new java.util.TreeMap<>();
      for (ViewRecord v : registry.versions(r.view().namespace(), r.view().name())) {
        newestOfMajor.put(v.view().version().major(), v.view()); // oldest first: the last wins
      }
      newestOfMajor.values().stream().filter(LocalRuntime::runsAJob).forEach(out::add);
    }
    return out;
  }

  /**
   * Whether {@code quiver local} materializes this view (the newest non-retired version of each): a
   * streaming one that is ACTIVE or DEPRECATED. A DEPRECATED version is still served (with a
   * warning) until it is retired; skipping it left a view whose only version was deprecated with no
   * job after the next start, and its lookups NOT_FOUND.
   */
  static boolean runsAJob(FeatureView v) {
    return (v.status() == ViewStatus.ACTIVE || v.status() == ViewStatus.DEPRECATED)
        && v.source() != null
        && v.source().isStream();
  }
}
