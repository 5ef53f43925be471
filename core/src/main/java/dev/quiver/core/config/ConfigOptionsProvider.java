package dev.quiver.core.config;

import java.util.List;

/**
 * Declares one module's {@code quiver.yaml} options so that the launcher can reject misspelt keys
 * and the docs test can check that each is documented. Implementations are listed in {@code
 * META-INF/services/dev.quiver.core.config.ConfigOptionsProvider} and found with {@link
 * java.util.ServiceLoader}.
 */
public interface ConfigOptionsProvider {

  /**
   * The key prefixes this module owns, e.g. {@code registry.}; a key under an owned prefix that no
   * provider declares is an error. Never null.
   */
  List<String> prefixes();

  /** Every option the module reads. Never null; stable across calls. */
  List<ConfigOption<?>> options();
}
