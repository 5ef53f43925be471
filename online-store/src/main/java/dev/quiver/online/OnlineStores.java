package dev.quiver.online;

import dev.quiver.core.config.QuiverConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the {@link OnlineStoreFactory} named by {@code online.type} and opens the store. */
public final class OnlineStores {
  private OnlineStores() {}

  /**
   * Opens the configured online store.
   *
   * @throws IllegalArgumentException for an unknown {@code online.type} (listing the available
   *     ones) or unknown {@code online.*} keys
   */
  public static OnlineStore open(QuiverConfig config) {
    OnlineStoreOptions.validate(config);
    return factory(config.get(OnlineStoreOptions.TYPE)).create(config);
  }

  /** The factory with {@code identifier}. */
  public static OnlineStoreFactory factory(String identifier) {
    List<String> available = new ArrayList<>();
    for (OnlineStoreFactory f :
        ServiceLoader.load(OnlineStoreFactory.class, OnlineStores.class.getClassLoader())) {
      if (f.identifier().equals(identifier)) {
        return f;
      }
      available.add(f.identifier());
    }
    throw new IllegalArgumentException(
        OnlineStoreOptions.TYPE.key()
            + ": '"
            + identifier
            + "' (expected one of: "
            + String.join(", ", available.stream().sorted().toList())
            + ")");
  }
}
