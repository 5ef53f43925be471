package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.online.hbase.HBaseMiniClusterFixture;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Must show 4: serving from a real HBase mini-cluster, stop HBase while lookups run: answers turn
 * STALE (last-known-good values with their true ts) within the timeout and none hangs; restart it
 * and answers are OK again.
 */
class HBaseFaultITCase {
  static final int TIMEOUT_MS = 500;
  static final String LOOKUP =
      "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"],"
          + "\"options\":{\"timeout_ms\":"
          + TIMEOUT_MS
          + ",\"consistency\":\"strong\"}}";

  /** The same lookup with the default consistency: answered from the near cache while fresh. */
  static final String CACHED = LOOKUP.replace(",\"consistency\":\"strong\"", "");

  record Sample(long atMillis, long tookMillis, int http, String status, long value, String ts) {}

  @Test
  void staleWhileHBaseIsDownAndOkAfterRestart() throws Exception {
    try (HBaseMiniClusterFixture hbase = HBaseMiniClusterFixture.start();
        ServingFixture fx =
            new ServingFixture(
                Map.of("server.breaker.open-window", "1s", "server.rate-limit.per-key-rate", "0"),
                s -> s,
                hbase.config("quiver_serving_fault"))) {
      String ts = Instant.ofEpochMilli(fx.now - 60_000).toString();
      // warm up: a cold server's first lookups on a loaded machine can miss the 500 ms deadline
      // (a 503 while the registry resolves the features, or STALE); the outage is what is tested
      Sample first = sample(fx, 0);
      for (long w0 = System.currentTimeMillis();
          !first.status().equals("OK") && System.currentTimeMillis() - w0 < 60_000; ) {
        Thread.sleep(200);
        first = sample(fx, 0);
      }
      assertThat(first.status()).isEqualTo("OK");
      assertThat(first.value()).isEqualTo(12);
      // A key over HBase's 32,767-byte row keys made the client throw while building the Get: a
      // store failure, answered STALE, that counted towards opening the breaker for everyone.
      ServingFixture.Reply longKey =
          fx.lookup(LOOKUP.replace("\"u1\"", "\"" + "k".repeat(40_000) + "\""));
      assertThat(longKey.status()).as(longKey.body().toString()).isEqualTo(400);
      assertThat(longKey.body().at("/error/field").asText()).isEqualTo("keys[0]");

      // a batch of 1,000 keys is 16 concurrent multi-gets of 64 keys on HBase's async client
      ServingFixture.Reply batch = batch(fx, 5_000);
      assertThat(batch.status()).as(batch.raw().body()).isEqualTo(200);
      assertThat(batch.body().get("results").size()).isEqualTo(1_000);
      assertThat(batch.body().at("/results/0/status").asText()).isEqualTo("OK");
      assertThat(batch.body().at("/results/0/features/user_7d_txn_count/value").asLong())
          .isEqualTo(12);
      assertThat(batch.body().at("/results/999/status").asText()).isEqualTo("NOT_FOUND");

      // a lookup through the near cache (no "strong"), read once while HBase is up
      assertThat(sample(fx, 0, CACHED).status()).isEqualTo("OK");
      // u_old: 1 at now - 1 h, 2 at now - 1 s; its latest value is last-known-good from here on
      assertThat(sample(fx, 0, CACHED.replace("\"u1\"", "\"u_old\"")).value()).isEqualTo(2);
      List<Sample> samples = new ArrayList<>();
      List<Sample> cached = new ArrayList<>();
      long t0 = System.currentTimeMillis();
      Thread stopper =
          new Thread(
              () -> {
                try {
                  hbase.stopHBase();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      stopper.start();
      // Keep serving while HBase goes down, and for a while after.
      while (stopper.isAlive() || System.currentTimeMillis() - t0 < 15_000) {
        samples.add(sample(fx, t0));
        cached.add(sample(fx, t0, CACHED));
      }
      stopper.join();
      List<Sample> stale = samples.stream().filter(s -> s.status().equals("STALE")).toList();
      assertThat(stale).as("answers after HBase stopped").isNotEmpty();
      assertThat(samples.get(samples.size() - 1).status()).isEqualTo("STALE");
      assertThat(stale).allSatisfy(s -> assertThat(s.value()).isEqualTo(12));
      assertThat(stale).allSatisfy(s -> assertThat(s.ts()).isEqualTo(ts));
      assertThat(samples)
          .allSatisfy(
              s -> {
                assertThat(s.http()).isEqualTo(200);
                // the deadline plus scheduling slack on a shared 2-core machine; never a hang
                assertThat(s.tookMillis()).isLessThan(TIMEOUT_MS + 700);
              });
      // an outage far longer than the near cache's staleness bound (200 ms): cached lookups end up
      // STALE from last-known-good too, never OK from an expired cache entry, and never hang
      assertThat(cached.get(cached.size() - 1).status()).isEqualTo("STALE");
      assertThat(cached)
          .allSatisfy(
              s -> {
                assertThat(s.http()).isEqualTo(200);
                assertThat(s.value()).isEqualTo(12);
                assertThat(s.tookMillis()).isLessThan(TIMEOUT_MS + 700);
              });
      // a key this server never read (u2 has a value in HBase): STALE, its feature null, in time
      long n0 = System.nanoTime();
      ServingFixture.Reply unseen = fx.lookup(LOOKUP.replace("\"u1\"", "\"u2\""));
      assertThat((System.nanoTime() - n0) / 1_000_000).isLessThan(TIMEOUT_MS + 700);
      assertThat(unseen.status()).as(unseen.raw().body()).isEqualTo(200);
      assertThat(unseen.body().at("/results/0/status").asText()).isEqualTo("STALE");
      assertThat(unseen.body().at("/results/0/features/user_7d_txn_count/value").isNull())
          .as(unseen.raw().body())
          .isTrue();
      assertThat(fx.metricsText()).contains("quiver_lkg_served_total");
      // the same batch while HBase is down: every key STALE within the timeout, the known one
      // from last-known-good (batches take the chunked asynchronous path, single keys do not)
      long b0 = System.nanoTime();
      ServingFixture.Reply staleBatch = batch(fx, TIMEOUT_MS);
      long batchMs = (System.nanoTime() - b0) / 1_000_000;
      assertThat(staleBatch.status()).as(staleBatch.raw().body()).isEqualTo(200);
      assertThat(batchMs).isLessThan(TIMEOUT_MS + 700);
      assertThat(staleBatch.body().get("results"))
          .hasSize(1_000)
          .allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("STALE"));
      assertThat(staleBatch.body().at("/results/0/features/user_7d_txn_count/value").asLong())
          .isEqualTo(12);
      assertThat(staleBatch.body().at("/results/0/features/user_7d_txn_count/ts").asText())
          .isEqualTo(ts);
      // as_of while HBase is down: STALE within the timeout; last-known-good (u_old's latest
      // value, 2 at now - 1 s) answers only an as_of at or after its ts, never an earlier one
      long a0 = System.nanoTime();
      ServingFixture.Reply before = fx.lookup(asOf("u_old", fx.now - 1_800_000));
      assertThat((System.nanoTime() - a0) / 1_000_000).isLessThan(TIMEOUT_MS + 700);
      assertThat(before.status()).as(before.raw().body()).isEqualTo(200);
      assertThat(before.body().at("/results/0/status").asText()).isEqualTo("STALE");
      assertThat(before.body().at("/results/0/features/user_7d_txn_count/value").isNull())
          .as("no value newer than as_of: " + before.raw().body())
          .isTrue();
      Sample after = sample(fx, 0, asOf("u_old", fx.now - 500));
      assertThat(after.status()).isEqualTo("STALE");
      assertThat(after.value()).isEqualTo(2);
      assertThat(after.ts()).isEqualTo(Instant.ofEpochMilli(fx.now - 1_000).toString());
      // readiness names the failing dependency, and answers within its 1 s probe bound
      long h0 = System.nanoTime();
      ServingFixture.Reply health = fx.get("/v1/health");
      long healthMs = (System.nanoTime() - h0) / 1_000_000;
      System.out.println(
          "health while HBase is down (" + healthMs + " ms): " + health.raw().body());
      assertThat(health.status()).as(health.raw().body()).isEqualTo(503);
      assertThat(health.body().path("failing").toString()).contains("online_store");
      assertThat(health.body().at("/checks/registry/status").asText()).isEqualTo("UP");
      assertThat(healthMs).isLessThan(1_000 + 700);

      hbase.startHBase();
      long restarted = System.currentTimeMillis();
      Sample last = sample(fx, restarted);
      while (!last.status().equals("OK") && System.currentTimeMillis() - restarted < 90_000) {
        assertThat(last.tookMillis()).isLessThan(TIMEOUT_MS + 700);
        Thread.sleep(200);
        last = sample(fx, restarted);
      }
      assertThat(last.status()).as("after restart").isEqualTo("OK");
      assertThat(last.value()).isEqualTo(12);
      ServingFixture.Reply healthy = fx.get("/v1/health");
      for (int i = 0; i < 50 && healthy.status() != 200; i++) {
        Thread.sleep(200);
        healthy = fx.get("/v1/health");
      }
      assertThat(healthy.status()).as(healthy.raw().body()).isEqualTo(200);
      ServingFixture.Reply okBatch = batch(fx, 5_000);
      assertThat(okBatch.body().at("/results/0/status").asText()).isEqualTo("OK");
      assertThat(okBatch.body().at("/results/999/status").asText()).isEqualTo("NOT_FOUND");
      System.out.printf(
          "HBase fault: %d answers while down (%d STALE), OK again %d ms after restart%n",
          samples.size(), stale.size(), last.atMillis());
    }
  }

  /** u1 and 999 keys never written, strong (no near cache). */
  static ServingFixture.Reply batch(ServingFixture fx, int timeoutMs) throws Exception {
    StringBuilder keys = new StringBuilder("\"u1\"");
    for (int i = 1; i < 1_000; i++) {
      keys.append(",\"nobody_").append(i).append('"');
    }
    return fx.post(
        "/v1/features:batchLookup",
        "{\"entity_name\":\"user\",\"keys\":["
            + keys
            + "],\"features\":[\"user_7d_txn_count:v3\"],\"options\":{\"timeout_ms\":"
            + timeoutMs
            + ",\"consistency\":\"strong\"}}");
  }

  /** A strong lookup of {@code key}'s user_7d_txn_count:v3 as of {@code atMillis}. */
  static String asOf(String key, long atMillis) {
    return LOOKUP
        .replace("\"u1\"", "\"" + key + "\"")
        .replace("\"options\"", "\"as_of\":\"" + Instant.ofEpochMilli(atMillis) + "\",\"options\"");
  }

  static Sample sample(ServingFixture fx, long t0) throws Exception {
    return sample(fx, t0, LOOKUP);
  }

  static Sample sample(ServingFixture fx, long t0, String lookup) throws Exception {
    long start = System.nanoTime();
    ServingFixture.Reply r = fx.lookup(lookup);
    long took = (System.nanoTime() - start) / 1_000_000;
    var f = r.body().at("/results/0/features/user_7d_txn_count");
    return new Sample(
        System.currentTimeMillis() - t0,
        took,
        r.status(),
        r.body().at("/results/0/status").asText(),
        f.path("value").asLong(-1),
        f.path("ts").asText());
  }
}
