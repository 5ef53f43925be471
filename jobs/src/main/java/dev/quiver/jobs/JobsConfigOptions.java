package dev.quiver.jobs;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import java.util.List;

/**
 * Declares the {@code jobs.*} and {@code kafka.*} options to the launcher's configuration check.
 */
public final class JobsConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("jobs.", "kafka.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return JobOptions.all();
  }
}
