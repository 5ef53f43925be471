package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running {@code quiver local} advertises its server in the data directory it holds, so that
 * {@code quiver export}/{@code backfill} on that directory send their jobs to it; a URL left by a
 * run that stopped without cleaning up (its lock free) is not followed.
 */
class AdvertisedServerTest {
  @TempDir Path data;

  @Test
  void theUrlIsFollowedOnlyWhileTheDataDirectoryIsHeld() throws Exception {
    assertThat(LocalRuntime.runningServer(data)).isEmpty();
    AutoCloseable lock = LocalRuntime.lockDataDir(data);
    AutoCloseable url = LocalRuntime.advertise(data, "http://127.0.0.1:18099");
    assertThat(data.resolve(LocalRuntime.URL_FILE)).hasContent("http://127.0.0.1:18099");
    assertThat(LocalRuntime.runningServer(data)).contains("http://127.0.0.1:18099");
    url.close();
    assertThat(data.resolve(LocalRuntime.URL_FILE)).doesNotExist();
    assertThat(LocalRuntime.runningServer(data)).isEmpty();
    // a URL file left behind by a run that ended (a kill -9): its lock is free
    Files.writeString(data.resolve(LocalRuntime.URL_FILE), "http://127.0.0.1:18099\n");
    assertThat(LocalRuntime.runningServer(data)).contains("http://127.0.0.1:18099");
    lock.close();
    assertThat(LocalRuntime.runningServer(data)).isEmpty();
  }
}
