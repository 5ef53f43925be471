package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The job's command line, as {@code flink run} and a FlinkDeployment's args give it. */
class MaterializationJobArgumentsTest {
  @Test
  void parsesEachArgumentInAnyOrder() {
    MaterializationJob.Arguments a =
        MaterializationJob.Arguments.parse(
            "--view", "risk.merchant_risk:v2.1", "--restore", "/ckpt/chk-7", "--config", "q.yaml");
    assertThat(a.view()).isEqualTo("risk.merchant_risk:v2.1");
    assertThat(a.config()).isEqualTo(Path.of("q.yaml"));
    assertThat(a.restore()).isEqualTo(Path.of("/ckpt/chk-7"));
    assertThat(MaterializationJob.Arguments.parse("--view", "v").config()).isNull();
  }

  @Test
  void namesWhatIsWrong() {
    assertThatThrownBy(() -> MaterializationJob.Arguments.parse("--config", "q.yaml"))
        .hasMessage("--view: missing (expected: [namespace.]name[:version])");
    assertThatThrownBy(() -> MaterializationJob.Arguments.parse("--view"))
        .hasMessage("--view: missing value");
    assertThatThrownBy(
            () -> MaterializationJob.Arguments.parse("--view", "v", "--parallelism", "2"))
        .hasMessageStartingWith("unknown argument '--parallelism' (expected: --config quiver.yaml");
  }
}
