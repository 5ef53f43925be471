package dev.quiver.serving.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Drives Feast's Python feature server ({@code feast serve}, started by {@code
 * bench/feast/run_feast.sh} at {@code QUIVER_FEAST_URL}) with the same open-model generator as
 * {@link LookupBench}: 1 key x the same 5 features per request, rates doubling from 50 req/s until
 * the server no longer keeps up (achieved < 95% of offered, or errors). Writes {@code feast.json}:
 * the highest sustained rate and its p99, which LookupBench compares with Quiver at an equal p99.
 * Without {@code QUIVER_FEAST_URL} it prints that it was skipped.
 */
public final class FeastBench {
  public static void main(String[] args) throws Exception {
    String url = System.getenv("QUIVER_FEAST_URL");
    if (url == null || url.isBlank()) {
      System.out.println("FeastBench: skipped (run bench/feast/run_feast.sh)");
      return;
    }
    URI u = URI.create(url);
    int keys = Integer.parseInt(System.getenv().getOrDefault("QUIVER_BENCH_KEYS", "100000"));
    long seconds = Long.parseLong(System.getenv().getOrDefault("QUIVER_BENCH_SECONDS", "10"));
    Random rnd = new Random(42);
    byte[][] reqs = new byte[20_000][];
    for (int i = 0; i < reqs.length; i++) {
      String body =
          "{\"features\":[\"user_activity_metrics:txn_count\",\"user_activity_metrics:total_spend_usd\","
              + "\"user_activity_metrics:segment\",\"user_activity_metrics:is_premium\","
              + "\"user_activity_metrics:days_active\"],\"entities\":{\"user_id\":[\"u"
              + rnd.nextInt(keys)
              + "\"]}}";
      reqs[i] =
          OpenLoopGenerator.post(
              "/get-online-features", u.getHost(), body.getBytes(StandardCharsets.UTF_8));
    }
    InetSocketAddress addr = new InetSocketAddress(u.getHost(), u.getPort());
    OpenLoopGenerator.Result best = null;
    System.out.printf(
        "%-12s %10s %10s %8s %8s %8s %7s%n",
        "feast", "offered/s", "achieved/s", "p50 ms", "p99 ms", "p99.9 ms", "errors");
    for (int rate = 50; rate <= 20_000; rate *= 2) {
      OpenLoopGenerator.Result r;
      try (OpenLoopGenerator g = new OpenLoopGenerator(addr, 16, reqs)) {
        g.runOpen("warm", rate, TimeUnit.SECONDS.toNanos(2));
        r = g.runOpen("feast@" + rate, rate, TimeUnit.SECONDS.toNanos(seconds));
      }
      System.out.printf(
          "%-12s %10d %10.0f %8.3f %8.3f %8.3f %7d%n",
          r.name(), rate, r.achievedRate(), r.p(50), r.p(99), r.p(99.9), r.errors());
      if (r.errors() > 0 || r.achievedRate() < 0.95 * rate) {
        break;
      }
      best = r;
    }
    ObjectNode out =
        summary(
            best == null ? 0 : best.achievedRate(),
            best == null ? Double.NaN : best.p(50),
            best == null ? Double.NaN : best.p(99));
    Path dir = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Files.createDirectories(dir);
    new ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve("feast.json").toFile(), out);
    System.out.println(line(out));
  }

  /**
   * feast.json: the highest sustained rate (req/s, to 0.1; it printed 1599.4444444444443) and its
   * latencies (ms, to 0.001); NaN without a sustained rate.
   */
  static ObjectNode summary(double peakRate, double p50Ms, double p99Ms) {
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("server", "feast serve (Python), SQLite online store");
    out.put("peak_rate_at_p99", Math.round(peakRate * 10) / 10.0);
    out.put("p99_ms", Double.isNaN(p99Ms) ? p99Ms : Math.round(p99Ms * 1000) / 1000.0);
    out.put("p50_ms", Double.isNaN(p50Ms) ? p50Ms : Math.round(p50Ms * 1000) / 1000.0);
    return out;
  }

  /** The closing line: the sustained rate, to whole req/s, and its p99. */
  static String line(ObjectNode summary) {
    return String.format(
        java.util.Locale.ROOT,
        "feast: sustained %.0f req/s at p99 %.3f ms",
        summary.get("peak_rate_at_p99").asDouble(),
        summary.get("p99_ms").asDouble());
  }
}
