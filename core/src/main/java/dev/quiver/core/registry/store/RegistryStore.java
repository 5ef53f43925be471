package dev.quiver.core.registry.store;

import java.util.function.Function;

/**
 * Durable storage of the feature registry: one SPI for every backend (embedded H2, PostgreSQL). The
 * store persists and queries; versioning rules, compatibility and retries live in {@code
 * DefaultFeatureRegistry}.
 *
 * <p><b>Atomicity.</b> All reads and writes happen inside {@link #transact}: the work either
 * commits entirely or leaves no trace. Optimistic concurrency is the caller's: {@link
 * RegistryTransaction#advanceHead} is a compare-and-set on a view's head sequence, and a
 * store-level write conflict surfaces as {@link StoreConflictException} so the caller can retry the
 * whole unit.
 *
 * <p><b>Threading.</b> Implementations are thread-safe; each {@code transact} call uses its own
 * connection. A {@link RegistryTransaction} is confined to the thread that runs the work and is
 * invalid after the work returns.
 *
 * <p><b>Caching.</b> Implementations cache nothing that another process could make stale: several
 * processes (CLI, server, Flink catalog) may share one database.
 */
public interface RegistryStore extends AutoCloseable {

  /** How a unit of work ends. */
  enum Mode {
    /** Reads only; nothing is written. */
    READ,
    /** Commits when the work returns normally, rolls back when it throws. */
    WRITE,
    /** Runs the work like {@link #WRITE} but always rolls back: a dry run sees its own writes. */
    DRY_RUN
  }

  /**
   * Runs {@code work} in one database transaction.
   *
   * @param work never null; its result may be null and is returned as is
   * @throws StoreConflictException when a concurrent writer got there first (unique key, lock
   *     timeout, serialisation failure); the transaction is rolled back and may be retried
   * @throws RegistryStoreException on any other storage failure; rolled back
   */
  <T> T transact(Mode mode, Function<RegistryTransaction, T> work);

  /** The factory identifier this store was made by ({@code embedded}, {@code postgres}). */
  String identifier();

  /** Where the data lives, for logs and {@code quiver describe}: never contains a password. */
  String location();

  /** Closes the connection pool. Idempotent. */
  @Override
  void close();
}
