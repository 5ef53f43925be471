package dev.quiver.cli;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What every command needs: the validated configuration (from {@code --config}, else {@code
 * ./quiver.yaml} when present, else defaults, then {@code --set} overrides) and the registry it
 * names, opened on first use and closed by {@link #close()}.
 */
final class CliEnvironment implements AutoCloseable {
  static final String DEFAULT_CONFIG_FILE = "quiver.yaml";

  private final QuiverConfig config;
  private final Path configFile;
  private final List<String> warnings;
  private FeatureRegistry registry;

  private CliEnvironment(QuiverConfig config, Path configFile, List<String> warnings) {
    this.config = config;
    this.configFile = configFile;
    this.warnings = warnings;
  }

  /**
   * @param configFile {@code --config}, or null to use {@code ./quiver.yaml} if it exists
   * @param overrides {@code key=value} pairs from {@code --set}
   * @throws IllegalArgumentException naming the file and the bad key or value (exit 2)
   */
  static CliEnvironment load(Path configFile, List<String> overrides) {
    QuiverConfig config;
    Path used = null;
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new IllegalArgumentException("--config: " + configFile + " (no such file)");
      }
      used = configFile;
    } else if (Files.isRegularFile(Path.of(DEFAULT_CONFIG_FILE))) {
      used = Path.of(DEFAULT_CONFIG_FILE);
    }
    config = used == null ? QuiverConfig.empty() : QuiverConfig.load(used);
    for (String kv : overrides) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set: '" + kv + "' (expected: key=value)");
      }
      config = config.with(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    List<String> warnings = new ArrayList<>();
    validate(config, warnings);
    return new CliEnvironment(withDefaults(config), used, warnings);
  }

  /**
   * Keys under a prefix that some module owns must be declared by one; keys of a section that no
   * module on the class path declares are reported as warnings (that module may not be installed).
   */
  static void validate(QuiverConfig config, List<String> warnings) {
    List<ConfigOption<?>> known = new ArrayList<>();
    Set<String> prefixes = new TreeSet<>();
    for (ConfigOptionsProvider p : ServiceLoader.load(ConfigOptionsProvider.class)) {
      known.addAll(p.options());
      prefixes.addAll(p.prefixes());
    }
    Set<String> knownKeys = known.stream().map(ConfigOption::key).collect(Collectors.toSet());
    QuiverConfig owned =
        QuiverConfig.of(
            config.asMap().entrySet().stream()
                .filter(e -> prefixes.stream().anyMatch(e.getKey()::startsWith))
                .collect(Collectors.toMap(e -> e.getKey(), e -> e.getValue())));
    owned.validate(known);
    for (String key : config.asMap().keySet()) {
      if (!knownKeys.contains(key) && prefixes.stream().noneMatch(key::startsWith)) {
        warnings.add(
            "config: '" + key + "' belongs to no module on the class path; it is ignored here");
      }
    }
    for (ConfigOption<?> option : known) {
      config.get(option); // typed check: fails with key, value and expected form
    }
  }

  /** The embedded registry and online store live under the data directory unless told otherwise. */
  private static QuiverConfig withDefaults(QuiverConfig config) {
    Path dataDir = Path.of(config.get(CliOptions.DATA_DIR));
    Map<String, String> m = config.asMap();
    if ("embedded".equals(m.getOrDefault("registry.type", "embedded"))
        && !m.containsKey("registry.path")) {
      config = config.with("registry.path", dataDir.resolve("registry").toString());
    }
    if ("embedded".equals(m.getOrDefault("online.type", "embedded"))
        && !m.containsKey("online.embedded.path")) {
      config = config.with("online.embedded.path", dataDir.resolve("online").toString());
    }
    return config;
  }

  QuiverConfig config() {
    return config;
  }

  /** The configuration file that was read, or null when running on defaults. */
  Path configFile() {
    return configFile;
  }

  List<String> warnings() {
    return warnings;
  }

  String actor() {
    String a = config.get(CliOptions.ACTOR);
    return a == null || a.isBlank() ? System.getProperty("user.name", "unknown") : a;
  }

  /**
   * The configured registry, opened on first use. A configuration that names no registry store, or
   * misses one of its options, is a usage error (exit code 2), as a bad configuration value is.
   */
  FeatureRegistry registry() {
    if (registry == null) {
      try {
        registry = FeatureRegistries.open(config);
      } catch (IllegalArgumentException e) {
        throw new QuiverCli.CliUsageException(e.getMessage());
      }
    }
    return registry;
  }

  @Override
  public void close() {
    if (registry != null) {
      registry.close();
      registry = null;
    }
  }
}
