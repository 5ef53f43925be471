package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * MaterializationJob's environment: started with plain java, a local MiniCluster with the local
 * cluster's settings; the job's own settings are the ones that go to a cluster (flink run, tested
 * end to end by jobs-dist's JobJarOnClusterITCase), without the local cluster's addresses.
 */
class MaterializationJobTest {
  private static final QuiverConfig CONFIG =
      QuiverConfig.of(Map.of("jobs.checkpoint-dir", "/tmp/quiver-test-checkpoints"));

  @Test
  void plainJavaRunsOnALocalClusterOnTheLoopbackAddress() {
    StreamExecutionEnvironment env = MaterializationJob.environment(CONFIG, null);
    assertThat(env).isInstanceOf(LocalStreamEnvironment.class);
    Map<String, String> c = ((Configuration) env.getConfiguration()).toMap();
    assertThat(c)
        .containsEntry("rest.address", "127.0.0.1")
        .containsEntry("rest.bind-port", "0")
        .containsEntry("state.backend.type", "rocksdb");
    assertThat(MaterializationJob.detached(env)).isFalse();
  }

  @Test
  void theJobsOwnSettingsNameNoClusterAddressMemoryOrSlots() {
    Map<String, String> job = LocalFlink.jobConfiguration(CONFIG, null, true).toMap();
    assertThat(job)
        .containsEntry("state.backend.type", "rocksdb")
        .containsEntry("execution.checkpointing.mode", "EXACTLY_ONCE")
        .containsKey("restart-strategy.type");
    assertThat(job.keySet())
        .noneMatch(
            k ->
                k.startsWith("rest.")
                    || k.endsWith("bind-host")
                    || k.startsWith("taskmanager.")
                    || k.startsWith("jobmanager."));
    // the local cluster's configuration is the job's plus those
    Map<String, String> local = LocalFlink.configuration(CONFIG, null, true).toMap();
    assertThat(local)
        .containsAllEntriesOf(job)
        .containsKeys("rest.address", "taskmanager.bind-host");
  }

  @Test
  void detachedOnlyWhenFlinkRunSaysSo() {
    Configuration detached = new Configuration();
    detached.set(DeploymentOptions.ATTACHED, false);
    Configuration attached = new Configuration();
    attached.set(DeploymentOptions.ATTACHED, true);
    // (a cluster's environment, as flink run's context gives it: the client's execution.attached)
    assertThat(MaterializationJob.detached(new StreamExecutionEnvironment(detached))).isTrue();
    assertThat(MaterializationJob.detached(new StreamExecutionEnvironment(attached))).isFalse();
    assertThat(MaterializationJob.detached(new StreamExecutionEnvironment(new Configuration())))
        .isFalse();
  }
}
