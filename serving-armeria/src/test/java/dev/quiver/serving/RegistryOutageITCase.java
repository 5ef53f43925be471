package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL registry stopped under a running lookup server, for longer than 30 plan-cache TTLs
 * (when cached plans used to expire), then started again on the same port and data directory:
 * lookups of the feature lists the server has resolved keep answering OK within their timeout;
 * registry endpoints answer a 503 REGISTRY_UNAVAILABLE naming the database (no stack trace, no 500,
 * within the request timeout); {@code /v1/health} names the registry in {@code failing} and stays
 * ready; and everything answers from the registry again once PostgreSQL is back.
 */
class RegistryOutageITCase {
  static final String LOOKUP =
      "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"],"
          + "\"options\":{\"timeout_ms\":500}}";

  /** A feature list the server has not resolved before the outage. */
  static final String NEW_LIST = LOOKUP.replace("user_7d_txn_count:v3", "user_total_spend_usd:v3");

  @TempDir Path tmp;

  @Test
  void lookupsKeepAnsweringRegistryCallsAre503AndAllRecovers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = tmp.resolve("pg");
    EmbeddedPostgres pg = postgres(data, port);
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE registry");
    }
    QuiverConfig registry =
        QuiverConfig.of(
            Map.of(
                "registry.type", "postgres",
                "registry.url", pg.getJdbcUrl("postgres", "registry"),
                "registry.username", "postgres"));
    try (ServingFixture fx =
        new ServingFixture(
            // 30 plan-cache TTLs are 6 s: the outage below outlasts them
            Map.of("server.plan-cache.ttl", "200ms", "server.rate-limit.per-key-rate", "0"),
            s -> s,
            null,
            registry)) {
      ServingFixture.Reply warm = fx.lookup(LOOKUP);
      assertThat(warm.status()).as(warm.raw().body()).isEqualTo(200);
      assertThat(warm.body().at("/results/0/features/user_7d_txn_count/value").asLong())
          .isEqualTo(12);
      assertThat(fx.get("/v1/registry/featureViews").status()).isEqualTo(200);

      pg.close();
      long t0 = System.currentTimeMillis();
      List<String> lookups = new ArrayList<>();
      while (System.currentTimeMillis() - t0 < 12_000) {
        long s0 = System.nanoTime();
        ServingFixture.Reply r = fx.lookup(LOOKUP);
        long took = (System.nanoTime() - s0) / 1_000_000;
        lookups.add(
            r.status()
                + " "
                + r.body().at("/results/0/status").asText()
                + " "
                + r.body().at("/results/0/features/user_7d_txn_count/value").asLong(-1)
                + " "
                + (took < 500 + 700 ? "in time" : took + " ms"));
        Thread.sleep(100);
      }
      assertThat(lookups)
          .as("lookups of a resolved feature list during a 12 s registry outage")
          .hasSizeGreaterThan(20)
          .allSatisfy(l -> assertThat(l).isEqualTo("200 OK 12 in time"));

      long r0 = System.nanoTime();
      ServingFixture.Reply views = fx.get("/v1/registry/featureViews");
      long viewsMs = (System.nanoTime() - r0) / 1_000_000;
      assertThat(views.status()).as(views.raw().body()).isEqualTo(503);
      assertThat(views.body().at("/error/code").asText()).isEqualTo("REGISTRY_UNAVAILABLE");
      assertThat(views.body().at("/error/message").asText())
          .contains("the registry database at jdbc:postgresql://localhost:" + port)
          .contains("does not answer")
          .contains("check that it is running and reachable")
          .contains("lookups of feature lists this server has resolved keep answering");
      assertThat(views.raw().body()).doesNotContain("Exception\\n\\tat ", "at com.zaxxer");
      assertThat(viewsMs).as("within the 10 s request timeout").isLessThan(10_000);

      // a feature list never resolved needs the registry: a 503 within its timeout, not a hang
      long n0 = System.nanoTime();
      ServingFixture.Reply unresolved = fx.lookup(NEW_LIST);
      assertThat((System.nanoTime() - n0) / 1_000_000).isLessThan(500 + 700);
      assertThat(unresolved.status()).as(unresolved.raw().body()).isEqualTo(503);

      long h0 = System.nanoTime();
      ServingFixture.Reply health = fx.get("/v1/health");
      long healthMs = (System.nanoTime() - h0) / 1_000_000;
      System.out.println(
          "health while the registry is down (" + healthMs + " ms): " + health.raw().body());
      assertThat(health.status()).as(health.raw().body()).isEqualTo(200);
      assertThat(health.body().path("failing").toString()).isEqualTo("[\"registry\"]");
      assertThat(health.body().at("/checks/registry/status").asText()).isEqualTo("DOWN");
      assertThat(health.body().at("/checks/online_store/status").asText()).isEqualTo("UP");
      assertThat(health.body().at("/status").asText()).isEqualTo("DEGRADED");
      assertThat(health.body().at("/ready").asBoolean()).isTrue();
      assertThat(healthMs).isLessThan(1_000 + 700);

      // restarting a lookup server now (the first thing tried on call) does not help: it opens
      // the registry at start, and says so, naming the database and what to check
      long o0 = System.nanoTime();
      assertThatThrownBy(() -> FeatureRegistries.open(registry).close())
          .hasMessageContaining(
              "cannot connect to the registry database at jdbc:postgresql://localhost:" + port)
          .hasMessageContaining("check that PostgreSQL runs there and accepts connections");
      assertThat((System.nanoTime() - o0) / 1_000_000).isLessThan(10_000);

      pg = postgres(data, port);
      long back = System.currentTimeMillis();
      ServingFixture.Reply again = fx.get("/v1/registry/featureViews");
      while (again.status() != 200 && System.currentTimeMillis() - back < 60_000) {
        Thread.sleep(200);
        again = fx.get("/v1/registry/featureViews");
      }
      assertThat(again.status()).as(again.raw().body()).isEqualTo(200);
      assertThat(again.raw().body()).contains("user_activity_metrics");
      ServingFixture.Reply fresh = fx.lookup(NEW_LIST);
      assertThat(fresh.status()).as(fresh.raw().body()).isEqualTo(200);
      assertThat(fresh.body().at("/results/0/status").asText()).isEqualTo("OK");
      ServingFixture.Reply healthy = fx.get("/v1/health");
      for (int i = 0; i < 50 && !healthy.body().at("/status").asText().equals("UP"); i++) {
        Thread.sleep(200);
        healthy = fx.get("/v1/health");
      }
      assertThat(healthy.status()).as(healthy.raw().body()).isEqualTo(200);
      assertThat(healthy.body().at("/status").asText()).isEqualTo("UP");
      assertThat(healthy.body().path("failing").toString()).isEqualTo("[]");
      System.out.printf(
          "registry outage: %d lookups answered OK while down; registry endpoint 503 in %d ms;"
              + " back %d ms after restart%n",
          lookups.size(), viewsMs, System.currentTimeMillis() - back);
    } finally {
      pg.close();
    }
  }

  /** PostgreSQL on {@code port} with its data in {@code data}, kept across stops. */
  private static EmbeddedPostgres postgres(Path data, int port) throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setPort(port)
        .start();
  }
}
