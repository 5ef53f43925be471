package dev.quiver.savepoints;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import java.util.List;

/** Declares the {@code savepoints.*} options to the launcher's configuration check. */
public final class SavepointsConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("savepoints.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return SavepointOptions.all();
  }
}
