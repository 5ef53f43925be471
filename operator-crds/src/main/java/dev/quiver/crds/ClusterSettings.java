package dev.quiver.crds;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.RegistryOptions;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.JobOptions;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.kubernetes.operator.api.spec.Resource;

/**
 * What a view's job on Kubernetes is given, read from the configuration {@code quiver crds} runs
 * with and checked against what pods can use: everything the job reads must be reachable from every
 * pod of the cluster, and nothing secret goes into a ConfigMap.
 *
 * @param checkpoints the shared checkpoint directory ({@code deploy.checkpoint-dir}, else {@code
 *     jobs.checkpoint-dir})
 * @param savepoints the shared savepoint directory
 * @param jobConfig the job's {@code quiver.yaml}, flattened: the configuration less {@code
 *     deploy.*}, the launcher's {@code quiver.*} and secrets, with {@code jobs.checkpoint-dir} =
 *     {@code checkpoints}
 * @param warnings one per setting left out of {@code jobConfig}
 * @param jobManager the job manager's memory and CPUs
 * @param taskManager each task manager's memory and CPUs
 * @param parallelism {@code jobs.parallelism}
 * @param slots {@code deploy.taskmanager.slots}
 */
record ClusterSettings(
    String checkpoints,
    String savepoints,
    Map<String, String> jobConfig,
    List<String> warnings,
    Resource jobManager,
    Resource taskManager,
    int parallelism,
    int slots) {

  ClusterSettings {
    jobConfig = java.util.Collections.unmodifiableMap(new TreeMap<>(jobConfig));
    warnings = List.copyOf(warnings);
  }

  /**
   * The settings of {@code view}'s job.
   *
   * @throws IllegalArgumentException naming the setting, what is wrong and the fix: an embedded
   *     registry or online store, a local checkpoint, savepoint or warehouse directory, a bad
   *     memory size, CPU count, parallelism or slot count
   */
  static ClusterSettings of(FeatureView view, QuiverConfig config) {
    requireShared(view, config);
    String checkpoints = sharedDir(config, DeployOptions.CHECKPOINT_DIR, JobOptions.CHECKPOINT_DIR);
    String savepoints =
        config.get(DeployOptions.SAVEPOINT_DIR) == null
            ? checkpoints.replaceAll("/+$", "") + "/savepoints"
            : sharedDir(config, DeployOptions.SAVEPOINT_DIR, null);
    List<String> warnings = new ArrayList<>();
    Map<String, String> jobConfig = new TreeMap<>();
    for (Map.Entry<String, String> e : config.asMap().entrySet()) {
      if (e.getKey().startsWith("deploy.") || e.getKey().startsWith("quiver.")) {
        continue; // read where the resources are made; quiver.* are the launcher's (data dir,
        // actor)
      }
      if (OfflineCatalogs.isSecret(e.getKey())) {
        warnings.add(
            e.getKey()
                + " is not written to the ConfigMap (a ConfigMap is not secret); give the pods"
                + " their secrets from the Secret "
                + ViewDeployment.SECRET_NAME
                + (e.getKey().equals(RegistryOptions.PASSWORD.key())
                    ? " (key QUIVER_REGISTRY_PASSWORD)"
                    : "")
                + ", see docs/operations.md#deploying-on-kubernetes");
        continue;
      }
      jobConfig.put(e.getKey(), e.getValue());
    }
    jobConfig.put(JobOptions.CHECKPOINT_DIR.key(), checkpoints);
    return new ClusterSettings(
        checkpoints,
        savepoints,
        jobConfig,
        warnings,
        resource(config, DeployOptions.JOBMANAGER_MEMORY, DeployOptions.JOBMANAGER_CPU),
        resource(config, DeployOptions.TASKMANAGER_MEMORY, DeployOptions.TASKMANAGER_CPU),
        positive(JobOptions.PARALLELISM.key(), config.get(JobOptions.PARALLELISM)),
        positive(
            DeployOptions.TASKMANAGER_SLOTS.key(), config.get(DeployOptions.TASKMANAGER_SLOTS)));
  }

  /**
   * Refuses an embedded registry (a file on this machine that the job's pods cannot read), an
   * embedded online store for an online view (a RocksDB directory in a task manager's pod that no
   * lookup service reads) and a local warehouse for an offline view.
   */
  private static void requireShared(FeatureView view, QuiverConfig config) {
    String ref = view.qualifiedName() + ":" + view.version();
    String registry = config.get(RegistryOptions.TYPE);
    if ("embedded".equals(registry)) {
      throw new IllegalArgumentException(
          "registry.type: 'embedded' is a database file on this machine, which the job's pods"
              + " cannot read (the job looks "
              + ref
              + " up in the registry when it starts); use registry.type: postgres with a"
              + " registry.url that the cluster reaches");
    }
    if (view.online()
        && "embedded".equals(config.asMap().getOrDefault("online.type", "embedded"))) {
      throw new IllegalArgumentException(
          "online.type: 'embedded' would write "
              + ref
              + "'s online features to a RocksDB directory inside the job's task manager pod,"
              + " which no lookup service reads and which is lost with the pod; use online.type:"
              + " hbase (docs/configuration.md#online-store-online-store)");
    }
    if (view.offline()) {
      String warehouse = config.get(OfflineOptions.WAREHOUSE);
      if (!isSharedUri(warehouse)) {
        throw new IllegalArgumentException(
            OfflineOptions.WAREHOUSE.key()
                + ": '"
                + warehouse
                + "' is a local path; the Iceberg tables of "
                + ref
                + " would be written inside the job's pods and lost with them; set "
                + OfflineOptions.WAREHOUSE.key()
                + " to shared storage the cluster reaches, e.g. s3://bucket/quiver/warehouse");
      }
    }
  }

  /**
   * {@code option}'s value, else {@code fallback}'s, refused unless shared storage (a URI with a
   * scheme other than {@code file}).
   */
  private static String sharedDir(
      QuiverConfig config, ConfigOption<String> option, ConfigOption<String> fallback) {
    String value = config.get(option);
    String from = "";
    if (value == null && fallback != null) {
      value = config.get(fallback);
      from = " (unset: taken from " + fallback.key() + ")";
    }
    if (!isSharedUri(value)) {
      throw new IllegalArgumentException(
          option.key()
              + from
              + ": '"
              + value
              + "' is a local path; on Kubernetes each pod has its own disk and the operator's"
              + " savepoint upgrades need storage every pod reaches: set "
              + option.key()
              + " to shared storage, e.g. s3://bucket/quiver/"
              + (option == DeployOptions.SAVEPOINT_DIR ? "savepoints" : "checkpoints")
              + " (hdfs://, gs://, abfss:// work too, with the Flink file system plugin in the"
              + " image)");
    }
    return value.strip();
  }

  /** A URI with a scheme (not {@code file}): storage that every pod of the cluster reaches. */
  static boolean isSharedUri(String value) {
    if (value == null) {
      return false;
    }
    String v = value.strip();
    return v.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")
        && !v.regionMatches(true, 0, "file:", 0, "file:".length());
  }

  private static Resource resource(
      QuiverConfig config, ConfigOption<String> memory, ConfigOption<Double> cpu) {
    String mem = config.get(memory).strip();
    try {
      MemorySize.parse(mem);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          memory.key() + ": '" + mem + "' is not a memory size (expected e.g. 1600m or 2g)", e);
    }
    double cpus = config.get(cpu);
    if (!(cpus > 0)) {
      throw new IllegalArgumentException(
          cpu.key() + ": " + cpus + " (expected: a number of CPUs above 0, e.g. 0.5 or 2)");
    }
    Resource r = new Resource();
    r.setMemory(mem);
    r.setCpu(cpus);
    return r;
  }

  private static int positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: 1 or more)");
    }
    return value;
  }
}
