package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Coalescing never hands one client's deadline to another: a request that joins an identical
 * in-flight read started by a request with a shorter {@code timeout_ms} gets the store's answer
 * within its own deadline, not the first request's STALE fallback.
 */
class CoalescingDeadlineITCase {
  private static String body(String key, int timeoutMs) {
    return "{\"entity_name\":\"user\",\"keys\":[\""
        + key
        + "\"],\"features\":[\"user_7d_txn_count:v3\"],\"options\":{\"timeout_ms\":"
        + timeoutMs
        + "}}";
  }

  private static double coalesced(ServingFixture fx) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^quiver_coalesced_reads_total(?:\\{[^}]*\\})? (\\S+)$")
            .matcher(fx.metricsText());
    assertThat(m.find()).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aJoinedReadIsAnsweredWithinItsOwnDeadlineNotTheFirstRequestsOne() throws Exception {
    try (ServingFixture fx =
        new ServingFixture(
            Map.of(
                "server.rate-limit.per-key-rate", "0",
                "server.cache.max-staleness", "0ms",
                "server.inline-read.max-keys", "0"),
            s -> s)) {
      // warm the plan, the JIT and the connection
      for (int i = 0; i < 20; i++) {
        assertThat(fx.lookup(body("k" + i, 2_000)).status()).isEqualTo(200);
      }
      double before = coalesced(fx);
      fx.source.delayMillis = 600;
      CompletableFuture<ServingFixture.Reply> impatient =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fx.lookup(body("u2", 250));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(60);
      ServingFixture.Reply patient = fx.lookup(body("u2", 5_000));
      ServingFixture.Reply first = impatient.join();
      assertThat(coalesced(fx))
          .as("the second request joined the first one's read")
          .isGreaterThan(before);
      assertThat(first.body().at("/results/0/status").asText()).isEqualTo("STALE");
      // was STALE with a null value: the first request's fallback at its 250 ms deadline
      assertThat(patient.body().at("/results/0/status").asText())
          .as(patient.raw().body())
          .isEqualTo("OK");
      assertThat(patient.body().at("/results/0/features/user_7d_txn_count/value").asLong())
          .isEqualTo(3);

      // Several requests left by the same impatient one share one new read, instead of each
      // sending its own (to a store that may be the reason for the STALE answer).
      int readsBefore = fx.source.reads.get();
      CompletableFuture<ServingFixture.Reply> again =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fx.lookup(body("u1", 250));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(60);
      List<CompletableFuture<ServingFixture.Reply>> patients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        patients.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return fx.lookup(body("u1", 5_000));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      again.join();
      for (CompletableFuture<ServingFixture.Reply> p : patients) {
        assertThat(p.join().body().at("/results/0/status").asText()).isEqualTo("OK");
      }
      assertThat(fx.source.reads.get() - readsBefore).isLessThanOrEqualTo(2);
    }
  }
}
