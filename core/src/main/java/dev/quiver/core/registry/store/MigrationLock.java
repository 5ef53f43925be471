package dev.quiver.core.registry.store;

import dev.quiver.core.io.FileLocks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises the first connection to, and the schema migrations of, one embedded registry file
 * across threads and processes: an in-JVM lock per lock file (a JVM cannot hold two file locks on
 * one file), then an exclusive lock on the file ({@link FileLocks#tryLock}), held while Flyway
 * runs. The file stays (empty) beside the database; the operating system releases the lock when its
 * holder ends, even if it crashes.
 */
final class MigrationLock {
  /** Long enough for a slow first migration on a loaded machine; a holder that hangs is named. */
  static final Duration WAIT = Duration.ofSeconds(120);

  private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  private MigrationLock() {}

  /** Runs {@code work} holding the lock; a thread that holds it already just runs it. */
  static <T> T holding(Path lockFile, String location, Supplier<T> work) {
    Path file = lockFile.toAbsolutePath().normalize();
    ReentrantLock jvmLock = IN_JVM.computeIfAbsent(file, f -> new ReentrantLock());
    if (jvmLock.isHeldByCurrentThread()) {
      return work.get();
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    try {
      if (!jvmLock.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw timedOut(file, location);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryStoreException(
          "interrupted while waiting to migrate the registry schema at " + location, e);
    }
    try {
      Optional<FileLocks.Held> lock = FileLocks.tryLock(file);
      while (lock.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw timedOut(file, location);
        }
        Thread.sleep(50);
        lock = FileLocks.tryLock(file);
      }
      try (FileLocks.Held held = lock.get()) {
        return work.get();
      }
    } catch (IOException e) {
      throw new RegistryStoreException(
          "cannot lock "
              + file
              + " to migrate the registry schema at "
              + location
              + ": "
              + e.getMessage()
              + "; check that registry.path is a writable local directory",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryStoreException(
          "interrupted while waiting to migrate the registry schema at " + location, e);
    } finally {
      jvmLock.unlock();
    }
  }

  private static RegistryStoreException timedOut(Path file, String location) {
    return new RegistryStoreException(
        "cannot migrate the registry schema at "
            + location
            + ": another process has been opening and migrating it for "
            + WAIT.toSeconds()
            + "s (it holds "
            + file
            + "); stop the other Quiver processes using registry.path and retry",
        null);
  }
}
