package dev.quiver.core.registry;

import dev.quiver.core.config.QuiverConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The reference on PostgreSQL: the real registry on a real server, a database per registry. */
class PostgresRegistryNotFoundITCase extends RegistryNotFoundContract {
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
  protected FeatureRegistry emptyRegistry() {
    String db = "not_found_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return FeatureRegistries.open(
        QuiverConfig.of(
            Map.of(
                "registry.type", "postgres",
                "registry.url", postgres.getJdbcUrl("postgres", db),
                "registry.username", "postgres",
                "registry.pool-size", "2")));
  }
}
