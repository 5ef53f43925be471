package dev.quiver.cli;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import dev.quiver.online.OnlineStoreOptions;
import java.util.List;

/**
 * Declares the online store's {@code online.*} options to the launcher's configuration check (the
 * online-store module has no provider of its own; raw HBase settings go under {@code
 * online.hbase.properties.}).
 */
public final class OnlineStoreConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("online.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return OnlineStoreOptions.all();
  }
}
