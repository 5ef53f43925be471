package dev.quiver.core.registry.store;

import dev.quiver.core.config.QuiverConfig;

/**
 * Creates a {@link RegistryStore} for one backend. Implementations are listed in {@code
 * META-INF/services/dev.quiver.core.registry.store.RegistryStoreFactory} and chosen by {@code
 * registry.type}.
 */
public interface RegistryStoreFactory {

  /** Lowercase identifier matched against {@code registry.type}, e.g. {@code postgres}. */
  String identifier();

  /**
   * Opens the store: connects, and migrates the schema to the newest version (Flyway).
   *
   * @param config the whole Quiver configuration; the factory reads its {@code registry.*} keys
   * @throws IllegalArgumentException naming the option when the configuration is incomplete
   * @throws RegistryStoreException when the database cannot be reached or migrated
   */
  RegistryStore create(QuiverConfig config);
}
