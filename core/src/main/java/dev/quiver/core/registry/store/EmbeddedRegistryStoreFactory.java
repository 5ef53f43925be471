package dev.quiver.core.registry.store;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.RegistryOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code registry.type: embedded}: an H2 database in PostgreSQL mode, in the directory {@code
 * registry.path} (default {@code .quiver/registry}), or in memory when the path is {@code
 * mem:<name>}. Several processes may open the same file ({@code AUTO_SERVER}): the first one serves
 * it to the others over TCP, on the loopback address only (see {@link #H2_BIND_ADDRESS}).
 */
public final class EmbeddedRegistryStoreFactory implements RegistryStoreFactory {
  public static final String IDENTIFIER = "embedded";

  /**
   * H2's auto-server listens on every interface unless the JVM-wide system property {@code
   * h2.bindAddress} names one (H2 2.x has no per-connection setting; H2's {@code SysProperties}
   * reads it once, when H2 is first used). Quiver sets it to {@code 127.0.0.1} before H2 loads,
   * unless the user set it already ({@code -Dh2.bindAddress=...}).
   */
  public static final String H2_BIND_ADDRESS = "h2.bindAddress";

  static {
    loopbackOnly();
  }

  private static final String H2_SETTINGS =
      ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;LOCK_TIMEOUT=10000";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public RegistryStore create(QuiverConfig config) {
    String path = config.get(RegistryOptions.PATH);
    int pool = config.get(RegistryOptions.POOL_SIZE);
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "registry.path: '' (expected: a directory such as .quiver/registry, or mem:<name>)");
    }
    if (path.startsWith("mem:")) {
      return inMemory(path.substring(4), pool);
    }
    return file(Path.of(path), pool);
  }

  private static void loopbackOnly() {
    if (System.getProperty(H2_BIND_ADDRESS) == null) {
      System.setProperty(H2_BIND_ADDRESS, "127.0.0.1");
    }
  }

  /** An H2 file database {@code registry.mv.db} in {@code directory} (created if missing). */
  public static RegistryStore file(Path directory, int poolSize) {
    Path dir = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "registry.path: '" + directory + "' cannot be created: " + e.getMessage(), e);
    }
    return JdbcRegistryStore.open(
        IDENTIFIER,
        dir.resolve("registry.mv.db").toString(),
        fileUrl(dir),
        "sa",
        "",
        poolSize,
        "check registry.path, and that the process that opened it first (it serves the file to the"
            + " others) is still running, or stop every process using it and retry",
        "H2 cannot roll a failed migration back, so stop every process using registry.path,"
            + " restore registry.mv.db from a backup (or, if it holds nothing yet, delete "
            + dir
            + ") and retry; see docs/registry.md, Schema and migrations",
        migrationLock(dir));
  }

  /** The JDBC URL of the H2 file database in {@code dir} (absolute, normalised). */
  static String fileUrl(Path dir) {
    return "jdbc:h2:file:" + dir.resolve("registry") + H2_SETTINGS + ";AUTO_SERVER=TRUE";
  }

  /** The file that openers of the database in {@code dir} lock while they migrate it. */
  static Path migrationLock(Path dir) {
    return dir.resolve("registry.migrate.lock");
  }

  /** An in-memory H2 database that lives until the store is closed; for unit tests. */
  public static RegistryStore inMemory(String name, int poolSize) {
    String url = "jdbc:h2:mem:" + name + H2_SETTINGS + ";DB_CLOSE_DELAY=-1";
    return JdbcRegistryStore.open(
        IDENTIFIER,
        "mem:" + name,
        url,
        "sa",
        "",
        poolSize,
        "an in-memory database; retry",
        "an in-memory database; retry",
        null);
  }
}
