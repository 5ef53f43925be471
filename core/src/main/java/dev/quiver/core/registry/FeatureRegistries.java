package dev.quiver.core.registry;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.store.RegistryStore;
import dev.quiver.core.registry.store.RegistryStores;
import java.time.Clock;

/** Opens the configured feature registry. */
public final class FeatureRegistries {
  private FeatureRegistries() {}

  /**
   * Opens the registry that {@code registry.type} names (found through {@link
   * dev.quiver.core.registry.store.RegistryStoreFactory}), migrating its schema if needed. The
   * caller closes it.
   *
   * @throws IllegalArgumentException for an unknown type (listing the available ones) or a missing
   *     option
   */
  public static FeatureRegistry open(QuiverConfig config) {
    RegistryStore store = RegistryStores.open(config.get(RegistryOptions.TYPE), config);
    return new DefaultFeatureRegistry(
        store, config.get(RegistryOptions.MAX_APPLY_ATTEMPTS), Clock.systemUTC());
  }
}
