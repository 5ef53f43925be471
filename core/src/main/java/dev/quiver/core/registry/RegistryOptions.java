package dev.quiver.core.registry;

import dev.quiver.core.config.ConfigOption;
import java.util.List;

/** The {@code registry.*} options of {@code quiver.yaml}. */
public final class RegistryOptions {
  private RegistryOptions() {}

  /** The environment variable read when {@link #PASSWORD} is not set. */
  public static final String PASSWORD_ENV = "QUIVER_REGISTRY_PASSWORD";

  public static final ConfigOption<String> TYPE =
      ConfigOption.string(
          "registry.type",
          "embedded",
          "Registry store: 'embedded' (an H2 database file under registry.path, nothing to"
              + " install) or 'postgres' (registry.url).");

  public static final ConfigOption<String> PATH =
      ConfigOption.string(
          "registry.path",
          ".quiver/registry",
          "Directory of the embedded registry database; 'mem:<name>' keeps it in memory (tests).");

  public static final ConfigOption<String> URL =
      ConfigOption.string(
          "registry.url",
          null,
          "JDBC URL of the PostgreSQL registry, e.g. jdbc:postgresql://db:5432/quiver (required"
              + " when registry.type is postgres).");

  public static final ConfigOption<String> USERNAME =
      ConfigOption.string("registry.username", null, "PostgreSQL user of the registry.");

  public static final ConfigOption<String> PASSWORD =
      ConfigOption.string(
          "registry.password",
          null,
          "PostgreSQL password of the registry; when unset, the environment variable "
              + PASSWORD_ENV
              + " is used.");

  public static final ConfigOption<Integer> POOL_SIZE =
      ConfigOption.integer(
          "registry.pool-size", 8, "Maximum number of pooled registry database connections.");

  public static final ConfigOption<Integer> MAX_APPLY_ATTEMPTS =
      ConfigOption.integer(
          "registry.max-apply-attempts",
          32,
          "How many times an apply that lost an optimistic-lock race is re-planned and retried"
              + " before it fails with CONFLICT.");

  public static List<ConfigOption<?>> all() {
    return List.of(TYPE, PATH, URL, USERNAME, PASSWORD, POOL_SIZE, MAX_APPLY_ATTEMPTS);
  }
}
