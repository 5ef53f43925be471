package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Health, metrics, 429 with Retry-After, and graceful shutdown on a real server. */
class ServerLifecycleITCase {
  static final String LOOKUP =
      "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"],"
          + "\"options\":{\"timeout_ms\":3000,\"consistency\":\"strong\"}}";

  @Test
  void healthNamesTheFailingDependencyAndMetricsAreServed() throws Exception {
    try (ServingFixture fx = new ServingFixture(Map.of(), s -> s)) {
      ServingFixture.Reply up = fx.get("/v1/health");
      assertThat(up.status()).isEqualTo(200);
      assertThat(up.body().get("ready").asBoolean()).isTrue();
      assertThat(up.body().at("/checks/online_store/status").asText()).isEqualTo("UP");
      assertThat(up.body().at("/checks/registry/status").asText()).isEqualTo("UP");
      fx.source.down = true;
      ServingFixture.Reply down = fx.get("/v1/health");
      assertThat(down.status()).isEqualTo(503);
      assertThat(down.body().get("failing").toString()).isEqualTo("[\"online_store\"]");
      assertThat(down.body().at("/checks/online_store/error").asText()).contains("store down");
      assertThat(fx.get("/v1/health?probe=live").status()).isEqualTo(200);
      assertThat(fx.get("/v1/health?probe=ready").status()).isEqualTo(503);
      // session 10: an unknown probe (a typo of live) got the readiness answer, here a 503
      ServingFixture.Reply typo = fx.get("/v1/health?probe=liveness");
      assertThat(typo.status()).isEqualTo(400);
      assertThat(typo.body().at("/error/field").asText()).isEqualTo("probe");
      assertThat(typo.body().at("/error/message").asText())
          .isEqualTo(
              "probe: 'liveness' (expected: live for liveness only, or ready, the default, for"
                  + " readiness)");
      // a misspelt or repeated parameter: a 400 naming it, not the readiness answer or the first
      for (String q : List.of("?prob=live", "?probe=live&probe=ready", "?probe=live&x=1")) {
        ServingFixture.Reply bad = fx.get("/v1/health" + q);
        assertThat(bad.status()).as(q + ": " + bad.raw().body()).isEqualTo(400);
        assertThat(bad.body().at("/error/field").asText()).isIn("prob", "probe", "x");
      }
      fx.source.down = false;

      fx.lookup(LOOKUP);
      fx.lookup("{\"entity_name\":\"nobody\",\"keys\":[\"u1\"],\"features\":[\"f\"]}");
      String m = fx.metricsText();
      assertThat(m).contains("quiver_http_requests_total").contains("/v1/features:lookup");
      assertThat(m).contains("quiver_http_total_duration_seconds_bucket");
      assertThat(HotKeyITCase.value(m, "quiver_api_errors_total", "code=\"NOT_FOUND\""))
          .isGreaterThanOrEqualTo(1);
      assertThat(HotKeyITCase.value(m, "quiver_lookup_keys_total", "status=\"OK\""))
          .isGreaterThanOrEqualTo(1);
      assertThat(m)
          .contains("quiver_store_latency_seconds_bucket")
          .contains("quiver_store_circuit_state");
      assertThat(fx.get("/v1/openapi.json").body().get("openapi").asText()).startsWith("3.");
      // every meter docs/serving.md lists is scraped (after a lookup and an error)
      String md = java.nio.file.Files.readString(RoutesDocumentedTest.docs().resolve("serving.md"));
      String table =
          md.substring(md.indexOf("## Metrics (`GET /v1/metrics`)"), md.indexOf("## Options"));
      java.util.regex.Matcher meter =
          java.util.regex.Pattern.compile("`(quiver_[a-z_]+)").matcher(table);
      List<String> documented = new java.util.ArrayList<>();
      while (meter.find()) {
        if (!meter.group(1).endsWith("_")) { // `quiver_http_*`: a family, not a name
          documented.add(meter.group(1));
        }
      }
      assertThat(documented).hasSizeGreaterThanOrEqualTo(13);
      String scraped = fx.metricsText();
      assertThat(documented)
          .allSatisfy(n -> assertThat(scraped).as(n).containsPattern("(?m)^" + n + "[{ ]"));
    }
  }

  /** The breaker's options that let a test open it with two failed reads and probe it soon. */
  static final Map<String, String> QUICK_BREAKER =
      Map.of(
          "server.breaker.minimum-requests", "2",
          "server.breaker.failure-rate", "0.5",
          "server.breaker.open-window", "300ms",
          "server.cache.max-entries", "0");

  static void openBreaker(ServingFixture fx) throws Exception {
    fx.source.down = true;
    for (int i = 0; i < 20 && fx.server.guard().state() != CircuitState.OPEN; i++) {
      fx.lookup(LOOKUP);
      Thread.sleep(250); // the breaker's counters are updated every 200 ms
    }
    assertThat(fx.server.guard().state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void healthNamesAHalfOpenBreakerAsProbingAndNotReady() throws Exception {
    // before: /v1/health only looked for OPEN, so while a trial read probed the store (HALF_OPEN,
    // every other lookup answered STALE from last-known-good) it said UP and ready
    // a 2 s window: the breaker's trial interval too, within which /v1/health must look (else the
    // probe is granted the next trial and closes the breaker)
    Map<String, String> options = new java.util.HashMap<>(QUICK_BREAKER);
    options.put("server.breaker.open-window", "2s");
    try (ServingFixture fx = new ServingFixture(options, s -> s)) {
      openBreaker(fx);
      ServingFixture.Reply open = fx.get("/v1/health");
      assertThat(open.status()).as(open.raw().body()).isEqualTo(503);
      assertThat(open.body().at("/checks/online_store/circuit_breaker").asText()).isEqualTo("OPEN");
      fx.source.down = false;
      fx.source.delayMillis = 2_500; // the trial read hangs: the breaker stays HALF_OPEN
      Thread.sleep(2_200); // past the open window
      CompletableFuture<ServingFixture.Reply> trial =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fx.lookup(LOOKUP);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      for (int i = 0; i < 50 && fx.server.guard().state() != CircuitState.HALF_OPEN; i++) {
        Thread.sleep(20);
      }
      assertThat(fx.server.guard().state()).isEqualTo(CircuitState.HALF_OPEN);
      ServingFixture.Reply probing = fx.get("/v1/health");
      assertThat(probing.status()).as(probing.raw().body()).isEqualTo(503);
      assertThat(probing.body().get("failing").toString()).isEqualTo("[\"online_store\"]");
      assertThat(probing.body().at("/checks/online_store/status").asText()).isEqualTo("DEGRADED");
      assertThat(probing.body().at("/checks/online_store/circuit_breaker").asText())
          .isEqualTo("HALF_OPEN");
      assertThat(probing.body().at("/checks/online_store/error").asText())
          .contains("half-open")
          .contains("STALE");
      assertThat(trial.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  @Test
  void healthProbeClosesAnOpenBreakerOnceTheStoreAnswersWithoutLookupTraffic() throws Exception {
    // before: the breaker only moved on a lookup, so after an outage with no lookup traffic (a
    // readiness probe keeps it away) /v1/health stayed 503 "circuit breaker open" for good
    try (ServingFixture fx = new ServingFixture(QUICK_BREAKER, s -> s)) {
      openBreaker(fx);
      fx.source.down = false;
      Thread.sleep(400); // past the open window, no lookup sent
      ServingFixture.Reply up = fx.get("/v1/health");
      assertThat(up.status()).as(up.raw().body()).isEqualTo(200);
      assertThat(up.body().at("/checks/online_store/circuit_breaker").asText()).isEqualTo("CLOSED");
      assertThat(fx.server.guard().state()).isEqualTo(CircuitState.CLOSED);
      assertThat(fx.lookup(LOOKUP).body().at("/results/0/status").asText()).isNotEqualTo("STALE");
    }
  }

  /**
   * A port that another process holds: the error names server.port, the address and the fix (it was
   * "java.util.concurrent.CompletionException: io.netty.channel.unix.Errors$NativeIoException:
   * bind(..) failed with error(-98): Address already in use").
   */
  @Test
  void aPortInUseIsRefusedNamingTheOptionAndTheFix() throws Exception {
    try (ServingFixture fx = new ServingFixture(Map.of(), s -> s)) {
      int taken = fx.server.port();
      ServerOptions options =
          ServerOptions.from(
              dev.quiver.core.config.QuiverConfig.of(
                  Map.of("server.port", Integer.toString(taken))));
      assertThatThrownBy(
              () -> QuiverServer.start(options, fx.registry, fx.source, Authorizer.ALLOW_ALL))
          .isInstanceOf(PortInUseException.class)
          .hasMessage(
              "server.port: 127.0.0.1:"
                  + taken
                  + " is already in use by another process; stop that process, or choose another"
                  + " port with --set server.port=N (quiver serve: --port N; 0 picks a free one)");
      // the server that holds the port still serves
      assertThat(fx.get("/v1/health").status()).isEqualTo(200);
    }
  }

  @Test
  void overTheKeyRateGets429WithRetryAfter() throws Exception {
    // Buckets that refill one token every 30 s, so a slow machine cannot refill one between the
    // six requests: exactly the burst of 3 answers, then 429 until the next token.
    try (ServingFixture fx = slowBuckets()) {
      int ok = 0;
      ServingFixture.Reply last = null;
      for (int i = 0; i < 6; i++) {
        last = fx.lookup(LOOKUP);
        if (last.status() == 200) {
          ok++;
        }
      }
      assertThat(ok).isEqualTo(3);
      assertThat(last.status()).isEqualTo(429);
      // whole seconds until the next token, rounded up: at most the refill interval, 1 / 0.0333 =
      // 30.03 s, so 31
      assertThat(Integer.parseInt(last.raw().headers().firstValue("retry-after").orElseThrow()))
          .isBetween(1, 31);
      assertThat(last.body().at("/error/code").asText()).isEqualTo("RATE_LIMITED");
      assertThat(last.body().at("/error/field").asText()).isEqualTo("keys[0]");
      // Other keys are not affected.
      assertThat(fx.lookup(LOOKUP.replace("u1", "u2")).status()).isEqualTo(200);
    }
  }

  /**
   * The 429's message echoed the key whole: a key of 1,900 characters filled the message up to its
   * 2,000-character cap and cut off the advice (retry after Retry-After). It shows at most 200
   * characters of it, like every echo of the request (docs/api.md, Errors).
   */
  @Test
  void theRateLimitMessageShowsALongKeyCut() throws Exception {
    try (ServingFixture fx = slowBuckets()) {
      String longKey = LOOKUP.replace("\"u1\"", "{\"user_id\":\"" + "z".repeat(1900) + "\"}");
      ServingFixture.Reply last = null;
      for (int i = 0; i < 4; i++) {
        last = fx.lookup(longKey);
      }
      assertThat(last.status()).isEqualTo(429);
      String message = last.body().at("/error/message").asText();
      assertThat(message)
          .contains("… (1914 characters)")
          .endsWith(
              "is over its rate limit (server.rate-limit.per-key-rate); retry after the"
                  + " Retry-After delay");
      assertThat(message.length()).isLessThan(400);
    }
  }

  /** Buckets of 3 tokens that refill one every 30 s: none comes back during a test. */
  private static ServingFixture slowBuckets() {
    return new ServingFixture(
        Map.of("server.rate-limit.per-key-rate", "0.0333", "server.rate-limit.per-key-burst", "3"),
        s -> s);
  }

  /**
   * A key named more often in one request than its bucket's burst (burst 3) was refused with 429 on
   * every attempt, whatever its Retry-After said: each copy took a token. The copies are one read,
   * so the request takes one token.
   */
  @Test
  void aKeyRepeatedInOneRequestTakesOneToken() throws Exception {
    try (ServingFixture fx = slowBuckets()) {
      String fiveTimes = LOOKUP.replace("[\"u1\"]", "[\"u1\",\"u1\",\"u2\",\"u1\",\"u1\"]");
      ServingFixture.Reply r = fx.post("/v1/features:batchLookup", fiveTimes);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      assertThat(r.body().get("results").size()).isEqualTo(5);
      assertThat(r.body().at("/results/4/key").asText()).isEqualTo("u1");
      // one token taken: two lookups of u1 are left in the burst, then 429
      assertThat(fx.lookup(LOOKUP).status()).isEqualTo(200);
      assertThat(fx.lookup(LOOKUP).status()).isEqualTo(200);
      assertThat(fx.lookup(LOOKUP).status()).isEqualTo(429);
    }
  }

  /**
   * A request refused because one of its keys is over its limit took tokens from the keys before
   * that one anyway, so retrying a batch with one hot key drained the others. It now gives them
   * back.
   */
  @Test
  void aRefusedRequestCostsItsOtherKeysNothing() throws Exception {
    try (ServingFixture fx = slowBuckets()) {
      for (int i = 0; i < 3; i++) {
        assertThat(fx.lookup(LOOKUP).status()).isEqualTo(200); // u1's burst, spent
      }
      String coldThenHot = LOOKUP.replace("[\"u1\"]", "[\"u2\",\"u1\"]");
      for (int i = 0; i < 3; i++) {
        ServingFixture.Reply r = fx.post("/v1/features:batchLookup", coldThenHot);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.body().at("/error/field").asText()).isEqualTo("keys[1]");
      }
      String u2 = LOOKUP.replace("u1", "u2");
      for (int i = 0; i < 3; i++) {
        assertThat(fx.lookup(u2).status()).as("u2 lookup %d", i).isEqualTo(200);
      }
      assertThat(fx.lookup(u2).status()).isEqualTo(429);
    }
  }

  @Test
  void gracefulShutdownFinishesInFlightRequests() throws Exception {
    ServingFixture fx =
        new ServingFixture(Map.of("server.graceful-shutdown.quiet-period", "200ms"), s -> s);
    fx.lookup(LOOKUP); // warm
    fx.source.delayMillis = 800;
    CompletableFuture<HttpResponse<String>> inFlight =
        ServingFixture.HTTP.sendAsync(
            HttpRequest.newBuilder(fx.uri("/v1/features:lookup"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(LOOKUP))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200);
    long t0 = System.nanoTime();
    fx.close();
    HttpResponse<String> r = inFlight.get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"status\":\"OK\"").contains("\"value\":12");
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
  }
}
