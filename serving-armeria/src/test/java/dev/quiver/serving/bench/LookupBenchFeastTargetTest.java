package dev.quiver.serving.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Feast target of LookupBench is judged only when both sides have a figure: with {@code
 * QUIVER_BENCH_EMBEDDED=false} (the HBase runs alone) it printed "FAIL quiver 0 req/s vs feast 50
 * req/s".
 */
class LookupBenchFeastTargetTest {
  @TempDir Path dir;

  static OpenLoopGenerator.Result run(String name, double rate, double p99Ms) {
    Histogram h = new Histogram(3);
    h.recordValue((long) (p99Ms * 1000));
    return new OpenLoopGenerator.Result(name, rate, rate, 100, 0, 0, h, 4, null);
  }

  private List<String[]> judge(String feastJson, Map<String, OpenLoopGenerator.Result> runs)
      throws Exception {
    Files.writeString(dir.resolve("feast.json"), feastJson);
    List<String[]> targets = new ArrayList<>();
    LookupBench.feast(dir, new LinkedHashMap<>(), targets, runs);
    return targets;
  }

  @Test
  void withoutEmbeddedRunsTheFeastTargetIsNotJudged() throws Exception {
    Map<String, OpenLoopGenerator.Result> hbaseOnly = new LinkedHashMap<>();
    hbaseOnly.put("hbase@5000", run("hbase@5000", 5000, 8.5));
    List<String[]> t = judge("{\"peak_rate_at_p99\":50,\"p99_ms\":801.3}", hbaseOnly);
    assertThat(t).hasSize(1);
    assertThat(t.get(0)[1]).isEqualTo("NOT RUN");
    assertThat(t.get(0)[2]).contains("QUIVER_BENCH_EMBEDDED=false");
  }

  @Test
  void aFeastWithoutASustainedRateIsNotJudged() throws Exception {
    Map<String, OpenLoopGenerator.Result> runs = new LinkedHashMap<>();
    runs.put("embedded@5000", run("embedded@5000", 5000, 1.0));
    List<String[]> t = judge("{\"peak_rate_at_p99\":0,\"p99_ms\":\"NaN\"}", runs);
    assertThat(t.get(0)[1]).isEqualTo("NOT RUN");
    assertThat(t.get(0)[2]).startsWith("Feast sustained no rate");
  }

  @Test
  void bothSidesMeasuredIsJudged() throws Exception {
    Map<String, OpenLoopGenerator.Result> runs = new LinkedHashMap<>();
    runs.put("embedded@5000", run("embedded@5000", 5000, 1.0));
    List<String[]> t = judge("{\"peak_rate_at_p99\":50,\"p99_ms\":7.2}", runs);
    assertThat(t.get(0)[1]).isEqualTo("PASS");
    assertThat(t.get(0)[2]).startsWith("quiver 5000 req/s vs feast 50 req/s");
  }
}
