package dev.quiver.core.registry.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Thin prepared-statement helpers over one connection; SQLExceptions travel unchecked. */
final class Sql {
  private final Connection c;
  private final boolean writable;

  Sql(Connection c, boolean writable) {
    this.c = c;
    this.writable = writable;
  }

  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
        return List.copyOf(out);
      }
    } catch (SQLException e) {
      throw new JdbcRegistryTransaction.UncheckedSql(e);
    }
  }

  <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
    List<T> rows = query(sql, mapper, args);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  int update(String sql, Object... args) {
    if (!writable) {
      throw new IllegalStateException("registry write in a read-only transaction: " + sql);
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new JdbcRegistryTransaction.UncheckedSql(e);
    }
  }

  /** Runs one statement for each argument row (JDBC batch). */
  void batch(String sql, List<Object[]> rows) {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (Object[] row : rows) {
        bind(ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw new JdbcRegistryTransaction.UncheckedSql(e);
    }
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        ps.setNull(i + 1, java.sql.Types.VARCHAR);
      } else if (a == NULL_TIMESTAMP) {
        ps.setNull(i + 1, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
      } else if (a instanceof OffsetDateTime t) {
        ps.setObject(i + 1, t);
      } else {
        ps.setObject(i + 1, a);
      }
    }
  }

  /** A typed SQL NULL for timestamp columns (PostgreSQL rejects a VARCHAR null there). */
  static final Object NULL_TIMESTAMP = new Object();

  static Object tsOrNull(Instant at) {
    return at == null ? NULL_TIMESTAMP : ts(at);
  }

  static OffsetDateTime ts(Instant at) {
    return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
