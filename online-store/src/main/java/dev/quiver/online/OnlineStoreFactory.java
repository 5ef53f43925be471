package dev.quiver.online;

import dev.quiver.core.config.QuiverConfig;

/**
 * Creates an {@link OnlineStore} from configuration. Implementations are found through {@link
 * java.util.ServiceLoader} (listed in {@code
 * META-INF/services/dev.quiver.online.OnlineStoreFactory}) and chosen by {@link #identifier()}
 * against {@code online.type}; see {@link OnlineStores}.
 */
public interface OnlineStoreFactory {

  /** Lowercase identifier, e.g. {@code embedded}, {@code hbase}. */
  String identifier();

  /**
   * Opens a store. The caller owns it and must close it.
   *
   * @param config the full configuration; the factory reads its {@code online.*} options
   * @throws IllegalArgumentException for bad options (message names the key)
   * @throws OnlineStoreException when the store cannot be opened or reached
   */
  OnlineStore create(QuiverConfig config);
}
