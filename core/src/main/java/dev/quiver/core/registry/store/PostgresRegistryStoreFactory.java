package dev.quiver.core.registry.store;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.RegistryOptions;

/**
 * {@code registry.type: postgres}: a PostgreSQL database at {@code registry.url}. The password
 * comes from {@code registry.password} or, when unset, the environment variable {@value
 * RegistryOptions#PASSWORD_ENV}.
 */
public final class PostgresRegistryStoreFactory implements RegistryStoreFactory {
  public static final String IDENTIFIER = "postgres";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public RegistryStore create(QuiverConfig config) {
    String url = config.get(RegistryOptions.URL);
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException(
          "registry.url: missing (expected: a PostgreSQL JDBC URL such as"
              + " jdbc:postgresql://localhost:5432/quiver when registry.type is postgres)");
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "registry.url: '" + redact(url) + "' (expected: a URL starting with jdbc:postgresql:)");
    }
    String password = config.get(RegistryOptions.PASSWORD);
    if (password == null) {
      password = System.getenv(RegistryOptions.PASSWORD_ENV);
    }
    return JdbcRegistryStore.open(
        IDENTIFIER,
        redact(url),
        url,
        config.get(RegistryOptions.USERNAME),
        password,
        config.get(RegistryOptions.POOL_SIZE),
        "check that PostgreSQL runs there and accepts connections from this machine, and the"
            + " registry.url, registry.username and registry.password settings (quiver.yaml or"
            + " --set; the password may come from "
            + RegistryOptions.PASSWORD_ENV
            + ")",
        "PostgreSQL rolled the failed migration back: fix its cause above (e.g. the rights of"
            + " registry.username on the database) and retry",
        null);
  }

  /** Drops a {@code password=} URL parameter so logs and errors never show it. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
