package dev.quiver.core.registry.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

  /**
   * SQL states that mean the connection died: H2 database closed at shutdown / closed / connection
   * broken, PostgreSQL admin or crash shutdown.
   */
  private static final Set<String> CONNECTION_LOST_STATES =
      Set.of("90121", "90098", "90067", "57P01", "57P02");

  private static final int CONNECTION_LOST_ATTEMPTS = 5;

  /**
   * H2 states met while another process opens, serves or closes the same file: locked by another
   * process, database closed at shutdown, closed, connection broken, error opening the database
   * (its lock file was modified just now).
   */
  private static final Set<String> H2_HANDOVER_STATES =
      Set.of("90020", "90121", "90098", "90067", "08000");

  private static final int OPEN_ATTEMPTS = 10;

  /**
   * How long a call waits for a connection: with the database stopped, every registry call waits
   * this long and then fails with {@link RegistryUnavailableException}. Shorter than the lookup
   * server's default request timeout (10 s), so that its registry endpoints answer that error (a
   * 503 naming the database) rather than a bare request timeout.
   */
  static final long CONNECTION_TIMEOUT_MS = 5_000;

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
    hc.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    for (int attempt = 1; ; attempt++) {
      HikariDataSource ds = null;
      try {
        ds = new HikariDataSource(hc);
        // the migration lock, when there is one, is held by the call that got here (above)
        migrate(ds, location, null, migrateFix);
        return new JdbcRegistryStore(identifier, location, ds);
      } catch (RuntimeException e) {
        if (ds != null) {
          ds.close();
        }
        // an embedded file that another process is opening, serving or closing right now (H2
        // AUTO_SERVER hands it over through its lock file): try again shortly
        if (attempt < OPEN_ATTEMPTS && h2Handover(e)) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200L * attempt));
          continue;
        }
        if (ds == null) {
          throw connectFailure(location, connectFix, e);
        }
        throw e;
      }
    }
  }

  private static RegistryStoreException connectFailure(
      String location, String connectFix, RuntimeException e) {
    return new RegistryStoreException(
        "cannot connect to the registry database at "
            + location
            + ": "
            + rootMessage(e)
            + "; "
            + connectFix,
        e);
  }

  private static boolean h2Handover(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && H2_HANDOVER_STATES.contains(s.getSQLState())) {
        return true;
      }
    }
    return false;
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
    for (int attempt = 1; ; attempt++) {
      // 0: no connection yet, 1: working on one, 2: committing
      int[] stage = {0};
      try {
        return transactOnce(mode, work, stage);
      } catch (SQLException | JdbcRegistryTransaction.UncheckedSql e) {
        SQLException sql = e instanceof SQLException s ? s : (SQLException) e.getCause();
        // no connection at all: worth another wait only for an embedded file changing hands (H2
        // AUTO_SERVER); a database server that does not answer has had the pool's whole timeout
        boolean handover =
            identifier.equals("embedded")
                && (sql instanceof java.sql.SQLTransientConnectionException || h2Handover(sql));
        if (stage[0] == 0 && !handover) {
          throw unavailable(sql);
        }
        if (stage[0] != 0 && !connectionLost(sql)) {
          throw translate(sql);
        }
        // The embedded database's serving process exited (H2 AUTO_SERVER), or the server restarted:
        // nothing was committed, so drop the dead connections and run the transaction again on a
        // new one (this process then opens the file itself, or reaches the new server).
        pool.getHikariPoolMXBean().softEvictConnections();
        if (stage[0] == 2 || attempt >= CONNECTION_LOST_ATTEMPTS) {
          throw new RegistryUnavailableException(
              "lost the connection to the registry database at "
                  + location
                  + (stage[0] == 2 ? " while committing (the change may or may not be stored)" : "")
                  + ": "
                  + sql.getMessage()
                  + "; check that it is reachable, then retry (re-applying a spec is safe)",
              sql);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100L * attempt));
      }
    }
  }

  private <T> T transactOnce(Mode mode, Function<RegistryTransaction, T> work, int[] stage)
      throws SQLException {
    try (Connection c = pool.getConnection()) {
      stage[0] = 1;
      c.setReadOnly(mode == Mode.READ);
      Throwable failure = null;
      try {
        T result = work.apply(new JdbcRegistryTransaction(c, mode != Mode.READ, specs));
        if (mode == Mode.WRITE) {
          stage[0] = 2;
          c.commit();
        } else {
          c.rollback();
        }
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        failure = e;
        rollbackQuietly(c, e);
        throw e;
      } finally {
        try {
          c.setReadOnly(false);
        } catch (SQLException e) {
          // on a connection that died under the work, this fails too ("Connection is closed", no
          // SQL state) and, thrown from here, hid the failure that says the connection was lost:
          // the call was not retried on a new connection, nor reported as the database being down
          if (failure == null) {
            throw e;
          }
          failure.addSuppressed(e);
        }
      }
    }
  }

  /**
   * A connection that died under the transaction (not a refusal of the statement): H2's "database
   * closed" from a serving process that exited, a broken connection, or a JDBC connection error.
   */
  static boolean connectionLost(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08") || CONNECTION_LOST_STATES.contains(state)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /** No connection within the pool's timeout (the database is down or unreachable). */
  private RegistryUnavailableException unavailable(SQLException e) {
    return new RegistryUnavailableException(
        "the registry database at "
            + location
            + " does not answer (no connection within "
            + CONNECTION_TIMEOUT_MS / 1000
            + " s: "
            + rootMessage(e)
            + "); check that it is running and reachable from this host, then retry",
        e);
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
