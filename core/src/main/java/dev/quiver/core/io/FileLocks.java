package dev.quiver.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Exclusive locks on lock files, taken the way RocksDB and Quiver's own holders take them. */
public final class FileLocks {
  private FileLocks() {}

  /** An exclusive lock on a lock file; closing it releases the lock and closes the file. */
  public interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /**
   * Takes an exclusive lock on {@code file} ({@code fcntl}, through {@link FileChannel#tryLock()}),
   * creating the file if needed, without waiting: empty when another process holds it, or this JVM
   * does (a JVM cannot hold two locks on one file). The operating system releases the lock when its
   * holder ends, even if it crashes.
   *
   * @throws IOException when the file cannot be created or opened for writing
   */
  public static Optional<Held> tryLock(Path file) throws IOException {
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this JVM holds it
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      return Optional.empty();
    }
    FileLock held = lock;
    return Optional.of(
        () -> {
          try {
            held.release();
          } finally {
            channel.close();
          }
        });
  }

  /**
   * Whether a process holds an exclusive lock on {@code file}, an existing file: tries the lock
   * RocksDB's {@code LOCK} and {@code quiver local}'s data-directory lock are taken with and
   * releases it at once. A lock this JVM holds counts as held.
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
