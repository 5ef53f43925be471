package dev.quiver.serving.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class FeastBenchSummaryTest {
  @Test
  void rateAndLatenciesAreRounded() {
    // it printed and wrote "sustained 1599.4444444444443 req/s"
    ObjectNode s = FeastBench.summary(1599.4444444444443, 12.34567, 801.27349);
    assertThat(s.get("peak_rate_at_p99").asDouble()).isEqualTo(1599.4);
    assertThat(s.get("p50_ms").asDouble()).isEqualTo(12.346);
    assertThat(s.get("p99_ms").asDouble()).isEqualTo(801.273);
    assertThat(FeastBench.line(s)).isEqualTo("feast: sustained 1599 req/s at p99 801.273 ms");
    assertThat(FeastBench.summary(0, Double.NaN, Double.NaN).get("p99_ms").asDouble()).isNaN();
  }
}
