package dev.quiver.core.registry.store;

import dev.quiver.core.config.QuiverConfig;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds {@link RegistryStoreFactory} implementations through {@link ServiceLoader}. */
public final class RegistryStores {
  private RegistryStores() {}

  /** Every factory on the class path, by identifier. */
  public static Map<String, RegistryStoreFactory> factories() {
    Map<String, RegistryStoreFactory> out = new TreeMap<>();
    for (RegistryStoreFactory f :
        ServiceLoader.load(RegistryStoreFactory.class, RegistryStores.class.getClassLoader())) {
      out.put(f.identifier(), f);
    }
    return out;
  }

  /**
   * The factory for {@code identifier}.
   *
   * @throws IllegalArgumentException listing the available identifiers when none matches
   */
  public static RegistryStoreFactory factory(String identifier) {
    Map<String, RegistryStoreFactory> all = factories();
    String id = identifier == null ? "" : identifier.trim().toLowerCase(Locale.ROOT);
    RegistryStoreFactory f = all.get(id);
    if (f == null) {
      throw new IllegalArgumentException(
          "registry.type: '"
              + identifier
              + "' is not a registry store (available: "
              + String.join(", ", all.keySet())
              + ")");
    }
    return f;
  }

  public static RegistryStore open(String identifier, QuiverConfig config) {
    return factory(identifier).create(config);
  }
}
