package dev.quiver.core.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Openers of a fresh H2 file registry that migrate it at the same moment, each through its own
 * connection pool as separate processes would (the first serves the file to the others). Flyway's
 * H2 lock ({@code SELECT ... FOR UPDATE} on its history table) locks no row while the history is
 * empty, so without a lock of Quiver's own several of them ran V1 and all but one failed with
 * 'Table "namespaces" already exists' (seen as a flaky {@code QuiverCliITCase}).
 */
class RegistryMigrationRaceITCase {
  private static final int OPENERS = 8;
  private static final int ROUNDS = 10;

  @TempDir Path dir;

  @Test
  void openersThatMigrateAFreshFileRegistryTogetherAllSucceedAndV1RunsOnce() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      migrateTogether(dir.resolve("registry-" + round).toAbsolutePath());
    }
  }

  private static void migrateTogether(Path registryDir) throws Exception {
    String url = EmbeddedRegistryStoreFactory.fileUrl(registryDir);
    List<HikariDataSource> pools = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(OPENERS);
    try {
      for (int i = 0; i < OPENERS; i++) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername("sa");
        hc.setMaximumPoolSize(2);
        hc.setAutoCommit(false);
        pools.add(new HikariDataSource(hc)); // connected: only the migrations race below
      }
      CyclicBarrier start = new CyclicBarrier(OPENERS);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < OPENERS; i++) {
        HikariDataSource pool = pools.get(i);
        long delayMillis =
            i * 15L; // spread over the first one's window: history table made, V1 not
        futures.add(
            threads.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  Thread.sleep(delayMillis);
                  JdbcRegistryStore.migrate(
                      pool,
                      registryDir.toString(),
                      EmbeddedRegistryStoreFactory.migrationLock(registryDir),
                      "retry");
                  return null;
                }));
      }
      List<String> failures = new ArrayList<>();
      for (Future<?> f : futures) {
        try {
          f.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          failures.add(String.valueOf(e.getCause().getMessage()));
        }
      }
      assertThat(failures).as("openers of %s that failed", registryDir).isEmpty();
      try (Connection c = pools.get(0).getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*), min(CASE WHEN success THEN 1 ELSE 0 END)"
                      + " FROM quiver_schema_history WHERE version = '1'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("V1 rows in the schema history").isEqualTo(1);
        assertThat(rs.getInt(2)).as("V1 succeeded").isEqualTo(1);
      }
    } finally {
      threads.shutdownNow();
      pools.forEach(HikariDataSource::close);
    }
  }
}
