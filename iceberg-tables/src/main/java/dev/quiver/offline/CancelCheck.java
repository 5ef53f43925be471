package dev.quiver.offline;

import java.util.function.BooleanSupplier;
import org.apache.flink.runtime.execution.CancelTaskException;

/**
 * Lets the offline job's long CPU-bound loops (the sweep's drain of its buffer, the part writer's
 * sort and write) notice a cancel: without it a cancel of a large export waited until the drain
 * ended, and Flink logged that the task "did not react to cancelling signal". The loops report the
 * rows they passed ({@link #advance}); every {@value #EVERY} rows the check reads the task's
 * cancelled flag (set at once by Flink's cancel; Flink 1.20 interrupts the thread only after its 30
 * s cancellation interval) and the thread's interrupt status, and throws {@link
 * CancelTaskException}, which Flink treats as the task's cancellation, so the per-row cost is one
 * add and compare. Not thread-safe (one per operator instance).
 */
final class CancelCheck {
  /** Rows between two checks: a few microseconds of work, far below a second. */
  static final int EVERY = 4096;

  /** Never cancelled except by an interrupt of the thread (tests, code outside an operator). */
  static final BooleanSupplier NEVER = () -> false;

  private final BooleanSupplier cancelled;
  private long rows;
  private long next = EVERY;

  /**
   * @param cancelled the task's cancelled flag (for an operator: its containing task's {@code
   *     isCanceled})
   */
  CancelCheck(BooleanSupplier cancelled) {
    this.cancelled = cancelled;
  }

  /** Counts {@code n} rows passed; checks for a cancel each {@value #EVERY} rows. */
  void advance(int n) {
    rows += n;
    if (rows >= next) {
      next = rows + EVERY;
      check();
    }
  }

  /** Throws {@link CancelTaskException} if the task was cancelled or its thread interrupted. */
  void check() {
    if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
      throw new CancelTaskException("point-in-time export cancelled after " + rows + " rows");
    }
  }

  /** Rows counted so far. */
  long rows() {
    return rows;
  }
}
