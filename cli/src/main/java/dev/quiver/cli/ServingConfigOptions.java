package dev.quiver.cli;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import dev.quiver.serving.ServerOptions;
import java.util.List;

/** Declares the REST service's {@code server.*} options to the launcher's configuration check. */
public final class ServingConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("server.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return ServerOptions.ALL;
  }
}
