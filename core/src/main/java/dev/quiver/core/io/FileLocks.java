package dev.quiver.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Whether a lock file is held, asked the way its holders take it. */
public final class FileLocks {
  private FileLocks() {}

  /**
   * Whether a process holds an exclusive lock on {@code file}, an existing file: tries the lock
   * RocksDB's {@code LOCK} and {@code quiver local}'s data-directory lock are taken with ({@code
   * fcntl}, through {@link FileChannel#tryLock()}) and releases it at once. A lock this JVM holds
   * counts as held.
   *
   * @throws IOException when the file cannot be opened for writing
   */
  public static boolean isHeld(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileLock free = ch.tryLock();
      if (free == null) {
        return true;
      }
      free.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // this JVM holds it
    }
  }
}
