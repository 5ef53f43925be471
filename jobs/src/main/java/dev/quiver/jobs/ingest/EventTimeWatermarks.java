package dev.quiver.jobs.ingest;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.types.Row;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Flink watermarks for views whose SQL needs event time (tumbling-window transformations), derived
 * like {@link EventGate}'s lateness cut: per Kafka partition, the largest event time accepted minus
 * {@code watermark delay + allowed lateness}; the emitted watermark is the smallest over the
 * partitions seen. An event the gate accepted is therefore never late for a window, and a window
 * closes once every partition's events are past its end by delay + lateness.
 *
 * <p><b>The start.</b> The generator cannot know which partitions its source task reads until they
 * send, so for the idle timeout after it starts (the job's start, or a restore: watermarks are not
 * checkpointed) it emits no watermark: a partition not heard from yet counts as silent since the
 * start, and may still send events older than the others'. Before (session 17 QA pass), the first
 * partition read moved the watermark alone, and the older events of a partition read a moment
 * later, which the gate accepted, were late for windows already closed and lost without a dead
 * letter. With a zero timeout a partition counts from its first event.
 *
 * <p><b>Idle partitions</b> ({@code jobs.source-idle-timeout}): a partition that has sent nothing
 * for the idle timeout (on Flink's input-activity clock, which does not advance while the job is
 * back-pressured) is left out of the minimum until it sends again, so one silent partition does not
 * keep every window open; when every partition is idle the input is marked idle ({@link
 * WatermarkStrategy#withIdleness}). A zero timeout turns this off. The price: events that a
 * partition sends after an idle spell and that are older than the watermark the other partitions
 * moved on are late for windows that have closed meanwhile.
 */
public final class EventTimeWatermarks implements WatermarkGenerator<Row> {
  private final int partitionIndex;
  private final long boundMs;
  private final long idleMs;
  private final RelativeClock clock;
  private final long startMs;
  private boolean started;
  private final Map<Integer, Progress> partitions = new HashMap<>();

  /** One partition's largest event time and when it was last seen sending. */
  private static final class Progress {
    long maxTs = Long.MIN_VALUE;
    long lastActiveMs;
    boolean sentSinceLastEmit;
  }

  EventTimeWatermarks(EventSchema schema, long boundMs, Duration idleTimeout, RelativeClock clock) {
    this.partitionIndex = schema.columns().size() + 3;
    this.boundMs = boundMs;
    this.idleMs = idleTimeout.toMillis();
    this.clock = clock;
    this.startMs = clock.relativeTimeMillis();
  }

  /** Timestamps from {@code _event_ms}; watermarks trailing by {@code boundMs}; no idleness. */
  public static WatermarkStrategy<Row> strategy(EventSchema schema, long boundMs) {
    return strategy(schema, boundMs, Duration.ZERO);
  }

  /**
   * Timestamps from {@code _event_ms}; watermarks trailing by {@code boundMs}; a partition silent
   * for {@code idleTimeout} stops holding the watermark back ({@link Duration#ZERO}: never).
   */
  public static WatermarkStrategy<Row> strategy(
      EventSchema schema, long boundMs, Duration idleTimeout) {
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "jobs.source-idle-timeout: " + idleTimeout + " (expected: >= 0, 0 to turn it off)");
    }
    int eventMs = schema.eventMsIndex();
    WatermarkStrategy<Row> strategy =
        WatermarkStrategy.<Row>forGenerator(
                ctx ->
                    new EventTimeWatermarks(
                        schema, boundMs, idleTimeout, ctx.getInputActivityClock()))
            .withTimestampAssigner((row, previous) -> (Long) row.getField(eventMs));
    return idleTimeout.isZero() ? strategy : strategy.withIdleness(idleTimeout);
  }

  @Override
  public void onEvent(Row row, long timestamp, WatermarkOutput output) {
    Progress p =
        partitions.computeIfAbsent((Integer) row.getField(partitionIndex), k -> new Progress());
    p.maxTs = Math.max(p.maxTs, timestamp);
    p.sentSinceLastEmit = true; // the clock is read once per periodic emit, not per event
  }

  @Override
  public void onPeriodicEmit(WatermarkOutput output) {
    long now = clock.relativeTimeMillis();
    boolean first = false;
    if (!started) {
      if (idleMs > 0 && now - startMs < idleMs) {
        for (Progress p : partitions.values()) { // a partition that sends now is active now
          if (p.sentSinceLastEmit) {
            p.lastActiveMs = now;
            p.sentSinceLastEmit = false;
          }
        }
        return; // a partition not heard from yet may still send older events
      }
      started = true;
      first = true;
    }
    long min = Long.MAX_VALUE;
    for (Progress p : partitions.values()) {
      if (p.sentSinceLastEmit) {
        p.lastActiveMs = now;
        p.sentSinceLastEmit = false;
      }
      // the first watermark counts every partition heard from during the start, even one that
      // fell silent meanwhile: the start only waited for the partitions not heard from
      if (first || idleMs == 0 || now - p.lastActiveMs < idleMs) {
        min = Math.min(min, p.maxTs);
      }
    }
    if (min != Long.MAX_VALUE) {
      output.emitWatermark(new Watermark(min - boundMs - 1));
    }
  }
}
