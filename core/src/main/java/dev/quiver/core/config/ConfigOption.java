package dev.quiver.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A typed configuration option with a key, a default and a description, in the manner of Flink's
 * {@code ConfigOption}. Every module declares its options in one {@code *Options} class; a test
 * fails when one is not documented in {@code docs/configuration.md}.
 *
 * @param key dotted key as written in {@code quiver.yaml}, e.g. {@code server.port}
 * @param type one of String, Integer, Long, Boolean, Double, Duration
 * @param defaultValue may be null for options without a default
 * @param description one sentence for the docs
 */
public record ConfigOption<T>(String key, Class<T> type, T defaultValue, String description) {

  public ConfigOption {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(description, "description");
    if (!(type == String.class
        || type == Integer.class
        || type == Long.class
        || type == Boolean.class
        || type == Double.class
        || type == Duration.class)) {
      throw new IllegalArgumentException(
          "type: " + type + " (expected: String, Integer, Long, " + "Boolean, Double or Duration)");
    }
  }

  public static ConfigOption<String> string(String key, String def, String description) {
    return new ConfigOption<>(key, String.class, def, description);
  }

  public static ConfigOption<Integer> integer(String key, Integer def, String description) {
    return new ConfigOption<>(key, Integer.class, def, description);
  }

  public static ConfigOption<Long> longOption(String key, Long def, String description) {
    return new ConfigOption<>(key, Long.class, def, description);
  }

  public static ConfigOption<Boolean> bool(String key, Boolean def, String description) {
    return new ConfigOption<>(key, Boolean.class, def, description);
  }

  public static ConfigOption<Double> doubleOption(String key, Double def, String description) {
    return new ConfigOption<>(key, Double.class, def, description);
  }

  public static ConfigOption<Duration> duration(String key, Duration def, String description) {
    return new ConfigOption<>(key, Duration.class, def, description);
  }
}
