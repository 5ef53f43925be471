package dev.quiver.online;

import dev.quiver.online.embedded.EmbeddedOnlineStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link FeatureReaderContract} on the embedded store (RocksDB on a temp dir, no server). */
class FeatureReaderTest extends FeatureReaderContract {
  @TempDir static Path dir;
  private EmbeddedOnlineStore store;

  @Override
  protected OnlineStore store() {
    if (store == null) {
      store = new EmbeddedOnlineStore(dir, 2, 16, Clock.systemUTC());
    }
    return store;
  }

  @AfterAll
  void close() {
    store.close();
  }
}
