package dev.quiver.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestBenchSummaryTest {
  @Test
  void floorRatiosSayNotRunWithoutAFloor() {
    // QUIVER_BENCH_FLOOR=false: the line said "Flink floor ratio null, with keyBy null"
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("flinkFloor", Map.of());
    assertThat(IngestBench.floorRatios(result)).isEqualTo("Flink floor not run");

    result.put("flinkFloor", Map.of("decode", Map.of("eventsPerSec", 50_000L)));
    result.put("ratioToFlinkFloor", 0.321);
    assertThat(IngestBench.floorRatios(result))
        .isEqualTo("Flink floor ratio 0.321, with keyBy n/a");
  }
}
