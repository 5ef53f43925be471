package dev.quiver.offline;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import java.util.List;

/** Declares the offline store's {@code offline.*} options to the launcher. */
public final class OfflineConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("offline.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return OfflineOptions.all();
  }
}
