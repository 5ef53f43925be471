package dev.quiver.jobs.backfill;

import java.time.Instant;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

/** {@code QUIVER_EPOCH_MS(ts)}: a TIMESTAMP_LTZ as epoch milliseconds (null stays null). */
public final class EpochMillis extends ScalarFunction {
  public static final String NAME = "QUIVER_EPOCH_MS";

  public Long eval(@DataTypeHint("TIMESTAMP_LTZ(3)") Instant ts) {
    return ts == null ? null : ts.toEpochMilli();
  }
}
