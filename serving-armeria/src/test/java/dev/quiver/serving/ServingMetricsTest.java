package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServingMetricsTest {
  /**
   * Every meter Quiver registers says what it counts in its Prometheus HELP line (the error,
   * cache-request and per-status key counters had an empty one). Armeria's own quiver_http_* meters
   * come without descriptions and are left out.
   */
  @Test
  void everyQuiverMeterHasHelpText() {
    ServingMetrics m = new ServingMetrics();
    m.error("INVALID_ARGUMENT");
    m.cacheHit();
    m.key(KeyStatus.OK);
    m.storeLatency(1_000);
    List<String> help =
        m.scrape()
            .lines()
            .filter(l -> l.startsWith("# HELP quiver_") && !l.startsWith("# HELP quiver_http_"))
            .toList();
    assertThat(help)
        .extracting(l -> l.split(" ", 4)[2])
        .contains(
            "quiver_api_errors_total", "quiver_cache_requests_total", "quiver_lookup_keys_total");
    assertThat(help)
        .allSatisfy(
            l -> {
              String[] parts = l.split(" ", 4);
              assertThat(parts).as(l).hasSize(4);
              assertThat(parts[3]).as(l).isNotBlank();
            });
  }

  /**
   * docs/operations.md: JVM and process meters are on /v1/metrics beside Quiver's and Armeria's.
   */
  @Test
  void scrapesTheJvmAndProcessMeters() {
    String text = new ServingMetrics().scrape();
    assertThat(text)
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_threads_live_threads ")
        .contains("jvm_classes_loaded_classes ")
        .contains("process_cpu_usage ")
        .contains("system_cpu_count ");
  }
}
