package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A store a little slower than the clients' {@code timeout_ms}: each lookup is STALE for its own
 * request, but the store's late answers are successful reads of now and refresh last-known-good
 * (docs/serving.md), so the next STALE answers carry the store's values, not ever older ones.
 */
class SlowStoreITCase {
  private static final String LOOKUP =
      "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"features\":[\"user_7d_txn_count:v3\"],"
          + "\"options\":{\"timeout_ms\":100}}";

  @Test
  void lateAnswersRefreshLastKnownGood() throws Exception {
    try (ServingFixture fx =
        new ServingFixture(
            Map.of(
                "server.rate-limit.per-key-rate", "0",
                "server.cache.max-staleness", "0ms",
                "server.inline-read.max-keys", "0"),
            s -> s)) {
      fx.lookup(LOOKUP.replace("u2", "warm")); // resolves and caches the plan
      fx.source.delayMillis = 300;
      JsonNode first = fx.lookup(LOOKUP).body().at("/results/0");
      assertThat(first.path("status").asText()).isEqualTo("STALE");
      assertThat(first.at("/features/user_7d_txn_count/value").isNull())
          .as("never seen by this server")
          .isTrue();
      Thread.sleep(600); // the store's late answer arrives
      JsonNode second = fx.lookup(LOOKUP).body().at("/results/0");
      assertThat(second.path("status").asText()).isEqualTo("STALE");
      // was null: the late answer was dropped and last-known-good never learnt the key
      assertThat(second.at("/features/user_7d_txn_count/value").asLong())
          .as(second.toString())
          .isEqualTo(3);
      assertThat(second.at("/features/user_7d_txn_count/ts").asText())
          .isEqualTo(java.time.Instant.ofEpochMilli(fx.now - 10_000).toString());
      fx.source.delayMillis = 0;
      JsonNode third = fx.lookup(LOOKUP).body().at("/results/0");
      assertThat(third.path("status").asText()).isEqualTo("OK");
    }
  }
}
