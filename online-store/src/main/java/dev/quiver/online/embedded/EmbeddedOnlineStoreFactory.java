package dev.quiver.online.embedded;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStoreFactory;
import dev.quiver.online.OnlineStoreOptions;
import java.nio.file.Path;
import java.time.Clock;

/** Creates the {@code embedded} (RocksDB) online store from {@code online.embedded.*}. */
public final class EmbeddedOnlineStoreFactory implements OnlineStoreFactory {
  public static final String IDENTIFIER = "embedded";

  @Override
  public String identifier() {
    return IDENTIFIER;
  }

  @Override
  public OnlineStore create(QuiverConfig config) {
    int threads = config.get(OnlineStoreOptions.EMBEDDED_THREADS);
    if (threads <= 0) {
      throw new IllegalArgumentException(
          OnlineStoreOptions.EMBEDDED_THREADS.key() + ": " + threads + " (expected: > 0)");
    }
    int cache = config.get(OnlineStoreOptions.EMBEDDED_BLOCK_CACHE_MB);
    if (cache <= 0) {
      throw new IllegalArgumentException(
          OnlineStoreOptions.EMBEDDED_BLOCK_CACHE_MB.key() + ": " + cache + " (expected: > 0)");
    }
    return new EmbeddedOnlineStore(
        Path.of(config.get(OnlineStoreOptions.EMBEDDED_PATH)), threads, cache, Clock.systemUTC());
  }
}
