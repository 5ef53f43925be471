package dev.quiver.core.registry.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The JDBC registry store behind both identifiers: {@code embedded} (an H2 database in PostgreSQL
 * mode, file or in-memory) and {@code postgres}. One schema and one set of Flyway migrations
 * ({@code classpath:db/migration}) serve both; all SQL is portable between them.
 *
 * <p>Transactions run at READ COMMITTED with a HikariCP pool; a write conflict (unique key, lock
 * timeout, serialisation failure, deadlock) becomes {@link StoreConflictException}.
 */
public final class JdbcRegistryStore implements RegistryStore {
  /** SQL states (PostgreSQL and H2) that mean "another writer got there first". */
  private static final Set<String> CONFLICT_STATES =
      Set.of("23505", "40001", "40P01", "55P03", "HYT00", "90131");

  private final String identifier;
  private final String location;
  private final HikariDataSource pool;
  private final SpecCache specs = new SpecCache(20_000);

  private JdbcRegistryStore(String identifier, String location, HikariDataSource pool) {
    this.identifier = identifier;
    this.location = location;
    this.pool = pool;
  }

  /**
   * Connects to {@code jdbcUrl}, runs the migrations, and returns the store.
   *
   * @param location shown in logs; must not contain a password
   * @param connectFix what to check when the database does not answer, appended to the error
   * @param migrateFix what to do when a migration fails, appended to the error
   * @param migrationLock a file that openers of this database lock while they connect first and
   *     migrate it (an H2 file: a second process that arrives while the first one creates the
   *     database fails with "Lock file recently modified"), or null when the database serialises
   *     this itself (PostgreSQL: Flyway takes an advisory lock)
   */
  public static JdbcRegistryStore open(
      String identifier,
      String location,
      String jdbcUrl,
      String username,
      String password,
      int poolSize,
      String connectFix,
      String migrateFix,
      Path migrationLock) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (migrationLock != null) {
      return MigrationLock.holding(
          migrationLock,
          location,
          () ->
              open(
                  identifier,
                  location,
                  jdbcUrl,
                  username,
                  password,
                  poolSize,
                  connectFix,
                  migrateFix,
                  null));
    }
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("quiver-registry-" + identifier);
    hc.setJdbcUrl(jdbcUrl);
    if (username != null && !username.isEmpty()) {
      hc.setUsername(username);
    }
    if (password != null && !password.isEmpty()) {
      hc.setPassword(password);
    }
    hc.setMaximumPoolSize(poolSize);
    hc.setMinimumIdle(1);
    hc.setAutoCommit(false);
    hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    hc.setConnectionTimeout(10_000);
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new RegistryStoreException(
          "cannot connect to the registry database at "
              + location
              + ": "
              + rootMessage(e)
              + "; "
              + connectFix,
          e);
    }
    try {
      migrate(ds, location, migrationLock, migrateFix);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new JdbcRegistryStore(identifier, location, ds);
  }

  /**
   * Brings the schema at {@code ds} to the latest migration. Flyway's own lock on H2 ({@code SELECT
   * ... FOR UPDATE} on its history table) locks no row while the history is empty, so openers of a
   * fresh H2 database that arrive together would all run V1; {@code migrationLock} serialises them.
   */
  static void migrate(DataSource ds, String location, Path migrationLock, String migrateFix) {
    if (migrationLock == null) {
      runFlyway(ds, location, migrateFix);
    } else {
      MigrationLock.holding(
          migrationLock,
          location,
          () -> {
            runFlyway(ds, location, migrateFix);
            return null;
          });
    }
  }

  private static void runFlyway(DataSource ds, String location, String migrateFix) {
    try {
      Flyway.configure()
          .dataSource(ds)
          .locations("classpath:db/migration")
          .table("quiver_schema_history")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new RegistryStoreException(
          "cannot migrate the registry schema at "
              + location
              + ": "
              + rootMessage(e)
              + "; "
              + migrateFix,
          e);
    }
  }

  @Override
  public <T> T transact(Mode mode, Function<RegistryTransaction, T> work) {
    try (Connection c = pool.getConnection()) {
      c.setReadOnly(mode == Mode.READ);
      try {
        T result = work.apply(new JdbcRegistryTransaction(c, mode != Mode.READ, specs));
        if (mode == Mode.WRITE) {
          c.commit();
        } else {
          c.rollback();
        }
        return result;
      } catch (RuntimeException | Error e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setReadOnly(false);
      }
    } catch (SQLException e) {
      throw translate(e);
    } catch (JdbcRegistryTransaction.UncheckedSql e) {
      throw translate(e.getCause());
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  static RuntimeException translate(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s
          && s.getSQLState() != null
          && CONFLICT_STATES.contains(s.getSQLState())) {
        return new StoreConflictException("concurrent registry write: " + s.getMessage(), e);
      }
    }
    return new RegistryStoreException("registry database error: " + e.getMessage(), e);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  @Override
  public String identifier() {
    return identifier;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "JdbcRegistryStore[" + identifier + " " + location + "]";
  }
}
