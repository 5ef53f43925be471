package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bounded-time fuzzing (20 s) of every POST endpoint with random bytes, mutated valid bodies, type
 * swaps, deep nesting, extreme times and odd content types: no answer is ever a 5xx or later than
 * 10 s, and every 4xx has the error body.
 */
class LookupFuzzITCase {
  // as_of within what the store holds (30 min ago; the fixture's shortest table TTL is 1 h): a
  // fixed date fell out of it and became a 400 that no mutation got past
  static final String[] SEEDS = {
    "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],\"features\":[{\"name\":\"user_7d_txn_count\",\"version\":\"v3\"},\"user_total_spend_usd:v3\"],\"options\":{\"timeout_ms\":5000}}",
    "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"feature_service\":\"fraud_model\",\"as_of\":\""
        + java.time.Instant.now().minusSeconds(1_800)
        + "\"}",
    "{\"entity_name\":\"merchant\",\"keys\":[{\"merchant_id\":\"m1\",\"country\":\"DE\"}],\"features\":[\"risk\"]}",
    "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_activity_metrics:v3.embedding\",\"session_clicks\"],\"options\":{\"consistency\":\"strong\"}}",
    "{\"name\":\"v\",\"version\":\"v1\",\"entities\":[\"user\"],\"features\":[{\"name\":\"f\",\"dtype\":\"INT64\"}]}",
    // window aggregations as of a time: the value mutations reach as_of
    "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"txn_cnt_1h\",\"txn_cnt_1d\"],\"as_of\":"
        + (System.currentTimeMillis() - 1_800_000)
        + "}"
  };
  static final String[] PATHS = {
    "/v1/features:lookup",
    "/v1/features:batchLookup",
    "/v1/registry/featureViews",
    "/v1/registry/featureViews/user_session/versions/v1:deprecate",
    "/v1/registry/featureViews/x/versions/zz:deprecate"
  };
  static final String[] FRAGMENTS = {
    "null",
    "true",
    "-1",
    "1e999",
    "\"\"",
    "[]",
    "{}",
    "\"\\u0000\"",
    "9223372036854775808",
    "[[[[",
    "\"v0\"",
    "\"latest\"",
    "{\"name\":1}",
    "\"a.b.c:d\"",
    "\":\"",
    "\".\"",
    "1.5",
    "\"\uD800\"",
    // the ends of epoch millis and of ISO instants (session 9: a read there hung the event loop)
    "9223372036854775807",
    "-9223372036854775808",
    "\"+1000000000-01-01T00:00:00Z\"",
    "\"1960-01-01T00:00:00Z\""
  };

  @Test
  void noFiveHundredsEver() throws Exception {
    try (ServingFixture fx =
        new ServingFixture(Map.of("server.max-request-length", "65536"), s -> s)) {
      // Warm the plan caches with the valid seeds: the fuzz hunts for crashes, not cold-start
      // registry latency (a plan that cannot be resolved within timeout_ms is a documented 503).
      for (String seed : SEEDS) {
        fx.lookup(seed);
      }
      Random rnd = new Random(7);
      long end = System.nanoTime() + 20_000_000_000L;
      int n = 0;
      List<String> failures = new ArrayList<>();
      while (System.nanoTime() < end && failures.size() < 5) {
        String path = PATHS[rnd.nextInt(PATHS.length)];
        byte[] body = body(rnd);
        String ct =
            switch (rnd.nextInt(5)) {
              case 0 -> "text/plain";
              case 1 -> "application/yaml";
              default -> "application/json";
            };
        ServingFixture.Reply r =
            fx.send(
                HttpRequest.newBuilder(fx.uri(path))
                    .timeout(java.time.Duration.ofSeconds(10)) // a hung request fails the test
                    .header("content-type", ct)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build());
        n++;
        // 503 TIMEOUT is the documented answer to a blown options.timeout_ms (a mutation can turn
        // the seeds' 5000 ms into 5 ms or 0): an honoured deadline, not a server fault. Every
        // other 5xx fails.
        boolean deadline =
            r.status() == 503 && "TIMEOUT".equals(r.body().path("error").path("code").asText());
        if ((r.status() >= 500 && !deadline)
            || (r.status() >= 400 && !r.body().path("error").has("code"))) {
          failures.add(
              r.status()
                  + " "
                  + path
                  + " "
                  + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8)
                  + " -> "
                  + r.raw().body());
        }
      }
      assertThat(failures).as("after %d requests", n).isEmpty();
      assertThat(n).isGreaterThan(500);
    }
  }

  static byte[] body(Random rnd) {
    switch (rnd.nextInt(6)) {
      case 0 -> {
        byte[] b = new byte[rnd.nextInt(400)];
        rnd.nextBytes(b);
        return b;
      }
      case 1 -> {
        return ("[".repeat(rnd.nextInt(3000)) + "]".repeat(rnd.nextInt(10)))
            .getBytes(StandardCharsets.UTF_8);
      }
      default -> {
        StringBuilder s = new StringBuilder(SEEDS[rnd.nextInt(SEEDS.length)]);
        int edits = 1 + rnd.nextInt(4);
        for (int i = 0; i < edits && s.length() > 0; i++) {
          int at = rnd.nextInt(s.length());
          switch (rnd.nextInt(4)) {
            case 0 -> s.deleteCharAt(at);
            case 1 -> s.insert(at, (char) (32 + rnd.nextInt(95)));
            case 2 -> {
              // replace a value-looking token with a random fragment
              int colon = s.indexOf(":", at);
              if (colon > 0) {
                int stop = colon + 1;
                while (stop < s.length() && ",}]".indexOf(s.charAt(stop)) < 0) {
                  stop++;
                }
                s.replace(colon + 1, stop, FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
              }
            }
            default -> s.insert(at, FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
          }
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
      }
    }
  }
}
