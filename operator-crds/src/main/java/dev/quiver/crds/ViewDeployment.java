package dev.quiver.crds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.MaterializationJob;
import dev.quiver.jobs.Materializer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobManagerSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.TaskManagerSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;

/**
 * The Kubernetes resources that run one view version's materialization job under the Flink
 * Kubernetes Operator: a {@link ConfigMap} holding the {@code quiver.yaml} the job reads, and a
 * {@link FlinkDeployment} (application mode) that mounts it and runs {@link MaterializationJob}
 * from the image's job jar.
 *
 * <p>The deployment is named after the view's major ({@link KubernetesNames#deploymentName}): a
 * compatible revision (v3 to v3.1) changes the same deployment's {@code --view} argument, which the
 * operator rolls out with a savepoint ({@code upgradeMode: savepoint}); a new major is a new
 * deployment with its own state, as on a local Flink.
 *
 * @param view the view version the job materializes
 * @param configMap the job's {@code quiver.yaml}
 * @param deployment the FlinkDeployment
 * @param warnings what the caller should tell the user (settings left out of the ConfigMap)
 */
public record ViewDeployment(
    FeatureView view, ConfigMap configMap, FlinkDeployment deployment, List<String> warnings) {

  /** Where the job jar lies in the image (the Dockerfile copies it there). */
  public static final String JAR_URI = "local:///opt/flink/usrlib/quiver-jobs.jar";

  /** Where the ConfigMap is mounted in the job's pods. */
  public static final String CONFIG_DIR = "/opt/quiver/conf";

  /** The file the job reads: {@code --config} of its arguments. */
  public static final String CONFIG_FILE = CONFIG_DIR + "/quiver.yaml";

  /** The name Flink's native Kubernetes integration gives the main container of its pods. */
  public static final String MAIN_CONTAINER = "flink-main-container";

  /** The optional Secret whose keys become environment variables of the pods. */
  public static final String SECRET_NAME = "quiver-secrets";

  static final String LABEL_PREFIX = "quiver.dev/";

  /** Flink's checkpoint directory, under its Flink 1.19 key (see {@link #flinkConfiguration}). */
  public static final String CHECKPOINTS_KEY = "state.checkpoints.dir";

  /** Flink's savepoint directory, under its Flink 1.19 key. */
  public static final String SAVEPOINTS_KEY = "state.savepoints.dir";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static final ObjectMapper FLAT_YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  /**
   * The resources of {@code view}'s streaming job.
   *
   * @param config the configuration {@code quiver crds} runs with ({@code quiver.yaml} and {@code
   *     --set}); the job's {@code quiver.yaml} is this, less the {@code deploy.*} options and
   *     secrets, with {@code jobs.checkpoint-dir} set to the shared checkpoint directory
   * @param image the container image, or null for {@code deploy.image}
   * @param namespace the Kubernetes namespace, or null to leave it to {@code kubectl}
   * @throws IllegalArgumentException naming the view or the setting, what is wrong and the fix: a
   *     view without a Kafka source, an embedded registry or online store, a local checkpoint,
   *     savepoint or warehouse directory, a bad memory size
   */
  public static ViewDeployment of(
      FeatureView view, QuiverConfig config, String image, String namespace) {
    String ref = view.qualifiedName() + ":" + view.version();
    try {
      Materializer.requireStreamSource(view);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(ref + ": " + e.getMessage(), e);
    }
    if (namespace != null && !KubernetesNames.DEPLOYMENT_NAME.matcher(namespace).matches()) {
      throw new IllegalArgumentException(
          "--namespace: '"
              + namespace
              + "' is not a Kubernetes namespace (expected: lowercase letters, digits and '-',"
              + " starting with a letter, e.g. feature-store)");
    }
    ClusterSettings settings = ClusterSettings.of(view, config);
    String yaml = quiverYaml(settings.jobConfig(), ref);

    String name = KubernetesNames.deploymentName(view);
    String configMapName = name + "-config";
    Map<String, String> labels = labels(view);
    Map<String, String> annotations = Map.of(LABEL_PREFIX + "view", ref);

    ConfigMap configMap =
        new ConfigMapBuilder()
            .withMetadata(meta(configMapName, namespace, labels, annotations))
            .addToData("quiver.yaml", yaml)
            .build();

    FlinkDeployment deployment = new FlinkDeployment();
    deployment.setMetadata(meta(name, namespace, labels, annotations));
    FlinkDeploymentSpec spec = new FlinkDeploymentSpec();
    spec.setImage(image != null ? image : config.get(DeployOptions.IMAGE));
    spec.setFlinkVersion(FlinkVersion.v1_20);
    spec.setServiceAccount(config.get(DeployOptions.SERVICE_ACCOUNT));
    spec.setFlinkConfiguration(flinkConfiguration(settings));
    spec.setPodTemplate(podTemplate(configMapName, sha256(yaml)));

    JobManagerSpec jm = new JobManagerSpec();
    jm.setReplicas(1);
    jm.setResource(settings.jobManager());
    spec.setJobManager(jm);
    TaskManagerSpec tm = new TaskManagerSpec();
    tm.setResource(settings.taskManager());
    spec.setTaskManager(tm);

    JobSpec job = new JobSpec();
    job.setJarURI(JAR_URI);
    job.setEntryClass(MaterializationJob.class.getName());
    job.setArgs(new String[] {"--config", CONFIG_FILE, "--view", ref});
    job.setParallelism(settings.parallelism());
    job.setUpgradeMode(UpgradeMode.SAVEPOINT);
    job.setState(JobState.RUNNING);
    spec.setJob(job);
    deployment.setSpec(spec);
    deployment.setStatus(null); // the operator's to write
    return new ViewDeployment(view, configMap, deployment, settings.warnings());
  }

  /** Both resources as a multi-document YAML stream (ConfigMap first: the deployment mounts it). */
  public String toYaml() {
    return document(configMap) + document(deployment);
  }

  private static String document(Object resource) {
    String yaml = SERIALIZATION.asYaml(resource);
    return yaml.startsWith("---") ? yaml : "---\n" + yaml;
  }

  /**
   * The job's Flink settings: those of the job wherever it runs ({@link
   * LocalFlink#jobConfiguration}: RocksDB, incremental and retained checkpoints, the restart
   * strategy; not a local MiniCluster's endpoints, ports and memory), plus the cluster's: savepoint
   * directory, Kubernetes high availability (so a job manager that restarts resumes from the last
   * checkpoint instead of starting over), slots per task manager.
   */
  static Map<String, String> flinkConfiguration(ClusterSettings settings) {
    Map<String, String> flink =
        new TreeMap<>(
            LocalFlink.jobConfiguration(QuiverConfig.of(settings.jobConfig()), null, true).toMap());
    // The directories under the keys that Flink 1.19 knows too: the operator 1.10 runs on Flink
    // 1.19's classes and reads them to take and find savepoints (1.20 renamed them
    // execution.checkpointing.dir and .savepoint-dir and still reads the old keys).
    flink.remove("execution.checkpointing.dir");
    flink.put(CHECKPOINTS_KEY, settings.checkpoints());
    flink.put(SAVEPOINTS_KEY, settings.savepoints());
    flink.put("high-availability.type", "kubernetes");
    flink.put("high-availability.storageDir", settings.checkpoints().replaceAll("/+$", "") + "/ha");
    flink.put("taskmanager.numberOfTaskSlots", Integer.toString(settings.slots()));
    return flink;
  }

  private static PodTemplateSpec podTemplate(String configMapName, String configHash) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        // a changed quiver.yaml changes the deployment's spec, which the operator rolls out
        .addToAnnotations(LABEL_PREFIX + "config-sha256", configHash)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(MAIN_CONTAINER)
        .addNewVolumeMount()
        .withName("quiver-config")
        .withMountPath(CONFIG_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewEnvFrom()
        .withNewSecretRef()
        .withName(SECRET_NAME)
        .withOptional(true)
        .endSecretRef()
        .endEnvFrom()
        .endContainer()
        .addNewVolume()
        .withName("quiver-config")
        .withNewConfigMap()
        .withName(configMapName)
        .endConfigMap()
        .endVolume()
        .endSpec()
        .build();
  }

  private static ObjectMeta meta(
      String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .withAnnotations(annotations)
        .build();
  }

  static Map<String, String> labels(FeatureView view) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "quiver-materialization");
    labels.put("app.kubernetes.io/managed-by", "quiver");
    labels.put(LABEL_PREFIX + "namespace", KubernetesNames.labelValue(view.namespace()));
    labels.put(LABEL_PREFIX + "view", KubernetesNames.labelValue(view.name()));
    labels.put(LABEL_PREFIX + "major", "v" + view.version().major());
    labels.put(LABEL_PREFIX + "version", view.version().toString());
    return labels;
  }

  /** The job's {@code quiver.yaml}: one flattened key per line, as QuiverConfig reads it back. */
  static String quiverYaml(Map<String, String> jobConfig, String ref) {
    try {
      return "# quiver.yaml of the materialization job of "
          + ref
          + " (written by quiver crds)\n"
          + FLAT_YAML.writeValueAsString(jobConfig);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
