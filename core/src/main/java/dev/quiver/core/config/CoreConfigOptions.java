package dev.quiver.core.config;

import dev.quiver.core.registry.RegistryOptions;
import java.util.List;

/** Declares core's options (the registry's) to the launcher and the docs test. */
public final class CoreConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("registry.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return RegistryOptions.all();
  }
}
