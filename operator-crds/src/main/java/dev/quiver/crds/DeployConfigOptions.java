package dev.quiver.crds;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import java.util.List;

/** Declares the {@code deploy.*} options to the launcher's configuration check. */
public final class DeployConfigOptions implements ConfigOptionsProvider {
  @Override
  public List<String> prefixes() {
    return List.of("deploy.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return DeployOptions.all();
  }
}
