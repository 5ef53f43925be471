package dev.quiver.catalog;

import dev.quiver.core.config.ConfigOptionsProvider;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.offline.OfflineOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.factories.CatalogFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Creates a {@link QuiverCatalog} for {@code CREATE CATALOG q WITH ('type'='quiver', ...)}. The
 * registry options are the {@code registry.*} keys of {@code quiver.yaml}, and the {@code
 * offline.*} keys locate the Iceberg catalog whose tables read as {@code view$offline} (as declared
 * by the modules' {@link ConfigOptionsProvider}s), optionally read from a {@code config-file};
 * options given in the statement win. Unknown options are rejected by Flink's {@link FactoryUtil}
 * with the list of supported ones.
 */
public class QuiverCatalogFactory implements CatalogFactory {
  public static final String IDENTIFIER = "quiver";

  public static final ConfigOption<String> DEFAULT_DATABASE =
      ConfigOptions.key("default-database")
          .stringType()
          .defaultValue("default")
          .withDescription("The namespace used when a statement names none.");

  public static final ConfigOption<String> ACTOR =
      ConfigOptions.key("actor")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Who the registry's audit log names for CREATE/ALTER TABLE; default: the OS user.");

  public static final ConfigOption<String> CONFIG_FILE =
      ConfigOptions.key("config-file")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "A quiver.yaml whose registry.* and offline.* options apply unless the statement"
                  + " sets them.");

  public static final ConfigOption<String> SECRETS_FILE =
      ConfigOptions.key("secrets-file")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "A Java properties file of registry.* and offline.* settings (a password), read"
                  + " when the catalog is created; they win over the other options. DESCRIBE"
                  + " CATALOG EXTENDED prints a catalog's options, so quiver sql passes its"
                  + " passwords this way, in an owner-only file it deletes on exit.");

  /** Raw registry client settings, passed through verbatim. */
  public static final String PROPERTIES_PREFIX = "registry.properties.";

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    Set<ConfigOption<?>> options = new LinkedHashSet<>();
    options.add(DEFAULT_DATABASE);
    options.add(ACTOR);
    options.add(CONFIG_FILE);
    options.add(SECRETS_FILE);
    for (dev.quiver.core.config.ConfigOption<?> o : passedOptions()) {
      options.add(
          ConfigOptions.key(o.key())
              .stringType()
              .noDefaultValue()
              .withDescription(o.description()));
    }
    return options;
  }

  /**
   * The {@code registry.*} options (the registry) and {@code offline.*} options (the Iceberg
   * catalog of {@code view$offline} tables) that the modules on the class path declare.
   */
  static Set<dev.quiver.core.config.ConfigOption<?>> passedOptions() {
    Set<dev.quiver.core.config.ConfigOption<?>> out = new LinkedHashSet<>();
    for (ConfigOptionsProvider p : ServiceLoader.load(ConfigOptionsProvider.class)) {
      p.options().stream().filter(o -> isPassed(o.key())).forEach(out::add);
    }
    return out;
  }

  /**
   * Whether a {@code quiver.yaml} key is one of this catalog's options ({@code registry.*}, {@code
   * offline.*}): what {@code quiver sql} repeats in its {@code CREATE CATALOG} statement.
   */
  public static boolean isPassed(String key) {
    return key.startsWith("registry.") || key.startsWith("offline.");
  }

  @Override
  public Catalog createCatalog(Context context) {
    FactoryUtil.CatalogFactoryHelper helper = FactoryUtil.createCatalogFactoryHelper(this, context);
    helper.validateExcept(PROPERTIES_PREFIX, OfflineOptions.PROPERTIES_PREFIX);
    QuiverConfig config =
        registryConfig(
            context.getOptions(),
            helper.getOptions().get(CONFIG_FILE),
            helper.getOptions().get(SECRETS_FILE));
    String actor = helper.getOptions().get(ACTOR);
    return new QuiverCatalog(
        context.getName(),
        helper.getOptions().get(DEFAULT_DATABASE),
        () -> FeatureRegistries.open(config),
        actor == null ? System.getProperty("user.name", "flink-sql") : actor,
        config);
  }

  static QuiverConfig registryConfig(
      Map<String, String> options, String configFile, String secretsFile) {
    QuiverConfig config =
        configFile == null ? QuiverConfig.empty() : QuiverConfig.load(Path.of(configFile));
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (isPassed(e.getKey())) {
        config = config.with(e.getKey(), e.getValue());
      }
    }
    if (secretsFile != null) {
      for (Map.Entry<String, String> e : secrets(secretsFile).entrySet()) {
        config = config.with(e.getKey(), e.getValue());
      }
    }
    return config;
  }

  /** The {@code registry.*} and {@code offline.*} settings of a {@link #SECRETS_FILE}. */
  private static Map<String, String> secrets(String file) {
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new ValidationException(
          SECRETS_FILE.key()
              + ": cannot read "
              + file
              + " ("
              + e
              + ") (expected: a readable Java properties file, e.g."
              + " offline.properties.jdbc.password=...)");
    }
    Map<String, String> out = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      if (!isPassed(key)) {
        throw new ValidationException(
            SECRETS_FILE.key()
                + ": '"
                + key
                + "' in "
                + file
                + " (expected: registry.* and offline.* settings only)");
      }
      out.put(key, props.getProperty(key));
    }
    return out;
  }
}
