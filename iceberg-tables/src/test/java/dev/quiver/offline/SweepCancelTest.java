package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.runtime.execution.CancelTaskException;
import org.junit.jupiter.api.Test;

/**
 * A cancel of a large export stops the sweep's drain of its buffer within a few thousand rows
 * instead of when the drain ends (a cancel once waited 30 s: "did not react to cancelling signal").
 * Deterministic: the cancel comes from the drain's own output, so the test counts the rows made
 * after it rather than timing anything.
 */
class SweepCancelTest {
  private static final int KEYS = 60_000;

  private static SweepRowArena buffer() {
    SweepRowArena rows = new SweepRowArena();
    for (int k = 0; k < KEYS; k++) {
      String key = "u" + k;
      long hash = KeyCodec.hash64(key);
      rows.add(SweepRow.event(key, 0, 1_000, 1, 0, new Object[] {key}), hash);
      rows.add(SweepRow.event(key, 0, 3_000, 2, 0, new Object[] {key + "b"}), hash);
      rows.add(SweepRow.label(key, 2_000, new Object[] {key, k}, 1), hash);
    }
    return rows;
  }

  private static PointInTimeSweep sweep() {
    return new PointInTimeSweep(List.of(SweepFunctionTest.VIEW), false);
  }

  @Test
  void uncancelledDrainMakesEveryLabelRow() {
    long made =
        SweepFunction.drain(
            buffer(), sweep(), null, false, r -> {}, new CancelCheck(CancelCheck.NEVER));
    assertThat(made).isEqualTo(KEYS);
  }

  @Test
  void cancelledFlagStopsTheDrainWithinAFewThousandRows() {
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicLong afterCancel = new AtomicLong();
    assertThatThrownBy(
            () ->
                SweepFunction.drain(
                    buffer(),
                    sweep(),
                    null,
                    false,
                    r -> {
                      if (cancelled.get()) {
                        afterCancel.incrementAndGet();
                      }
                      cancelled.set(true); // the task is cancelled after its first row
                    },
                    new CancelCheck(cancelled::get)))
        .isInstanceOf(CancelTaskException.class);
    assertThat(afterCancel.get()).isLessThan(2L * CancelCheck.EVERY);
  }

  @Test
  void interruptStopsTheDrain() {
    AtomicLong made = new AtomicLong();
    try {
      assertThatThrownBy(
              () ->
                  SweepFunction.drain(
                      buffer(),
                      sweep(),
                      null,
                      false,
                      r -> {
                        made.incrementAndGet();
                        Thread.currentThread().interrupt(); // as Flink's cancel does
                      },
                      new CancelCheck(CancelCheck.NEVER)))
          .isInstanceOf(CancelTaskException.class);
    } finally {
      Thread.interrupted();
    }
    assertThat(made.get()).isLessThan(2L * CancelCheck.EVERY);
  }
}
