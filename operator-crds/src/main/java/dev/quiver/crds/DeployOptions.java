package dev.quiver.crds;

import dev.quiver.core.config.ConfigOption;
import java.util.List;

/**
 * Typed options of {@code quiver crds} ({@code deploy.*} in {@code quiver.yaml}): how a view's
 * materialization job runs under the Flink Kubernetes Operator. They are read where the resources
 * are generated and are not written into the job's own {@code quiver.yaml} (the ConfigMap).
 */
public final class DeployOptions {
  private DeployOptions() {}

  public static final ConfigOption<String> IMAGE =
      ConfigOption.string(
          "deploy.image",
          "quiver-jobs:latest",
          "Container image of the job's pods: Flink 1.20 with the Quiver job jar at"
              + " /opt/flink/usrlib/quiver-jobs.jar (operator-crds/Dockerfile); quiver crds --image"
              + " overrides it.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      ConfigOption.string(
          "deploy.checkpoint-dir",
          null,
          "Shared storage (a URI such as s3://bucket/quiver/checkpoints) for the checkpoints of the"
              + " jobs on Kubernetes; unset: jobs.checkpoint-dir. A local path is refused.");

  public static final ConfigOption<String> SAVEPOINT_DIR =
      ConfigOption.string(
          "deploy.savepoint-dir",
          null,
          "Shared storage for the savepoints the operator takes on upgrades; unset: the checkpoint"
              + " directory + /savepoints. A local path is refused.");

  public static final ConfigOption<String> SERVICE_ACCOUNT =
      ConfigOption.string(
          "deploy.service-account",
          "flink",
          "Kubernetes service account of the job's pods (the operator's Helm chart creates"
              + " 'flink').");

  public static final ConfigOption<String> JOBMANAGER_MEMORY =
      ConfigOption.string(
          "deploy.jobmanager.memory",
          "1600m",
          "Memory of the job manager pod (Flink's jobmanager.memory.process.size), e.g. 1600m or"
              + " 2g.");

  public static final ConfigOption<Double> JOBMANAGER_CPU =
      ConfigOption.doubleOption("deploy.jobmanager.cpu", 0.5, "CPUs of the job manager pod.");

  public static final ConfigOption<String> TASKMANAGER_MEMORY =
      ConfigOption.string(
          "deploy.taskmanager.memory",
          "2g",
          "Memory of each task manager pod (Flink's taskmanager.memory.process.size); RocksDB's"
              + " managed memory is Flink's default share of it.");

  public static final ConfigOption<Double> TASKMANAGER_CPU =
      ConfigOption.doubleOption("deploy.taskmanager.cpu", 1.0, "CPUs of each task manager pod.");

  public static final ConfigOption<Integer> TASKMANAGER_SLOTS =
      ConfigOption.integer(
          "deploy.taskmanager.slots",
          1,
          "Task slots per task manager; the operator starts jobs.parallelism / slots task"
              + " managers.");

  public static List<ConfigOption<?>> all() {
    return List.of(
        IMAGE,
        CHECKPOINT_DIR,
        SAVEPOINT_DIR,
        SERVICE_ACCOUNT,
        JOBMANAGER_MEMORY,
        JOBMANAGER_CPU,
        TASKMANAGER_MEMORY,
        TASKMANAGER_CPU,
        TASKMANAGER_SLOTS);
  }
}
