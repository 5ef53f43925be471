package dev.quiver.cli;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.ConfigOptionsProvider;
import java.util.List;

/** The launcher's own {@code quiver.yaml} options. */
public final class CliOptions implements ConfigOptionsProvider {
  public static final ConfigOption<String> DATA_DIR =
      ConfigOption.string(
          "quiver.data-dir",
          ".quiver",
          "Directory for the embedded defaults (registry, online store, offline tables), relative"
              + " to the working directory; created on first use.");

  public static final ConfigOption<String> ACTOR =
      ConfigOption.string(
          "quiver.actor",
          null,
          "Who the registry's audit log names for changes made by this CLI; default: the"
              + " operating-system user.");

  public static final List<ConfigOption<?>> ALL = List.of(DATA_DIR, ACTOR);

  @Override
  public List<String> prefixes() {
    return List.of("quiver.");
  }

  @Override
  public List<ConfigOption<?>> options() {
    return ALL;
  }
}
