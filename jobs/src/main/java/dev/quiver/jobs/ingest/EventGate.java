package dev.quiver.jobs.ingest;

import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.FeatureView;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The first step of every materialization job: parses raw Kafka bytes, rejects malformed events and
 * events that are too late, and passes the rest on as rows of the {@link EventSchema}.
 *
 * <p><b>Watermark and lateness.</b> The gate keeps a watermark per Kafka partition: {@code wm = max
 * event time seen so far in the partition − watermark delay}. An event with {@code event_time < wm
 * − allowed_lateness} (watermark taken before the event itself) is too late: it is counted in the
 * {@code quiverDeadLetterTooLate} metric and sent to the dead-letter output with reason {@code
 * too_late}. The per-partition maxima are checkpointed (union list state), so after a restore from
 * a checkpoint or savepoint the same events are accepted and rejected as in an uninterrupted run —
 * unlike Flink's periodic watermarks, which restart from nothing and are emitted on a timer.
 *
 * <p><b>Event times from the future.</b> An event whose time is more than {@code maxAheadMs} ahead
 * of its Kafka record timestamp (a device clock years off, a wrong year) is counted in {@code
 * quiverDeadLetterTooEarly} and sent with reason {@code too_early}: accepted, it would move its
 * partition's watermark that far ahead, and every real event after it would be too late. The record
 * timestamp, not the task's clock, is the reference, so a replay after a restore judges each record
 * as the first run did. Records without a timestamp, and {@code maxAheadMs} 0, are not checked.
 *
 * <p>Malformed events (bad JSON, a missing key, event time or dedup key, a wrong type) are counted
 * in {@code quiverDeadLetterMalformed} and sent to the dead-letter output with reason {@code
 * malformed}; the job keeps running. Records deliberately not materialized (a Debezium delete,
 * truncate or tombstone) are counted in {@code quiverDeadLetterNotMaterialized} and sent with
 * reason {@code not_materialized}. Decoding is the {@link SourceFormat}'s {@link EventDecoder}.
 *
 * <p><b>Whose state.</b> The gate also checkpoints the view and major whose job wrote the state
 * ({@code namespace.view:vMAJOR}), which {@code RestoredState} checks before a restore.
 */
public final class EventGate extends ProcessFunction<RawEvent, Row>
    implements CheckpointedFunction {
  /** Side output for rejected events. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("quiver-dead-letters", TypeInformation.of(DeadLetter.class));

  /** The name of the operator state that holds {@link #stateOwner}. */
  public static final String STATE_OWNER = "quiver-state-owner";

  private final EventSchema schema;
  private final SourceFormat format;
  private final long watermarkDelayMs;
  private final long allowedLatenessMs;
  private final long maxAheadMs;
  private final String stateOwner;

  private transient EventDecoder parser;
  private transient Map<Integer, Long> maxEventMs;
  private transient ListState<Tuple2<Integer, Long>> maxState;
  private transient ListState<String> ownerState;
  private transient Counter malformed;
  private transient Counter tooLate;
  private transient Counter tooEarly;
  private transient Counter notMaterialized;
  private transient Counter accepted;

  public EventGate(EventSchema schema, long watermarkDelayMs, long allowedLatenessMs) {
    this(schema, SourceFormat.JSON, watermarkDelayMs, allowedLatenessMs);
  }

  /**
   * A gate for events in {@code format} (json, debezium-json or avro) that does not check event
   * times from the future.
   */
  public EventGate(
      EventSchema schema, SourceFormat format, long watermarkDelayMs, long allowedLatenessMs) {
    this(schema, format, watermarkDelayMs, allowedLatenessMs, 0);
  }

  /**
   * A gate for events in {@code format}; an event time more than {@code maxAheadMs} ahead of the
   * Kafka record timestamp is a dead letter ({@code too_early}; 0: not checked).
   */
  public EventGate(
      EventSchema schema,
      SourceFormat format,
      long watermarkDelayMs,
      long allowedLatenessMs,
      long maxAheadMs) {
    this(schema, format, watermarkDelayMs, allowedLatenessMs, maxAheadMs, null);
  }

  /** A gate whose checkpoints name {@code stateOwner} ({@link #stateOwner}; null: not written). */
  public EventGate(
      EventSchema schema,
      SourceFormat format,
      long watermarkDelayMs,
      long allowedLatenessMs,
      long maxAheadMs,
      String stateOwner) {
    if (maxAheadMs < 0) {
      throw new IllegalArgumentException(
          "jobs.event-time-max-ahead: "
              + maxAheadMs
              + "ms (expected: >= 0, 0 to turn the check off)");
    }
    this.schema = schema;
    this.format = format;
    this.watermarkDelayMs = watermarkDelayMs;
    this.allowedLatenessMs = allowedLatenessMs;
    this.maxAheadMs = maxAheadMs;
    this.stateOwner = stateOwner;
  }

  /**
   * The owner of a view's job state: {@code namespace.view:vMAJOR}. Revisions of one major share it
   * (they only add features, and share the major's tables).
   */
  public static String stateOwner(FeatureView view) {
    return view.qualifiedName() + ":v" + view.version().major();
  }

  @Override
  public void open(Configuration parameters) {
    parser = format.decoder(schema);
    var metrics = getRuntimeContext().getMetricGroup();
    malformed = metrics.counter("quiverDeadLetterMalformed");
    tooLate = metrics.counter("quiverDeadLetterTooLate");
    tooEarly = metrics.counter("quiverDeadLetterTooEarly");
    notMaterialized = metrics.counter("quiverDeadLetterNotMaterialized");
    accepted = metrics.counter("quiverEventsAccepted");
  }

  /**
   * The {@code quiver.dlq.detail} of a too-late event: the times as ISO-8601 instants (epoch
   * milliseconds were unreadable), and how far behind the watermark the event was.
   */
  static String tooLateDetail(long eventMs, long watermarkMs, long allowedLatenessMs) {
    return "event time "
        + Instant.ofEpochMilli(eventMs)
        + " < watermark "
        + Instant.ofEpochMilli(watermarkMs)
        + " - allowed lateness "
        + allowedLatenessMs
        + "ms ("
        + (watermarkMs - eventMs)
        + "ms behind the watermark)";
  }

  /**
   * The {@code quiver.dlq.detail} of an event from the future, or null when {@code eventMs} is at
   * most {@code maxAheadMs} ahead of {@code recordMs} (or the check is off or has no reference).
   */
  public static String tooEarlyDetail(long eventMs, long recordMs, long maxAheadMs) {
    // eventMs is within the years 0000-9999 (the parser's range), so the difference cannot overflow
    if (maxAheadMs == 0 || recordMs < 0 || eventMs - recordMs <= maxAheadMs) {
      return null;
    }
    return "event time "
        + Instant.ofEpochMilli(eventMs)
        + " is "
        + java.time.Duration.ofMillis(eventMs - recordMs)
            .toString()
            .substring(2)
            .toLowerCase(java.util.Locale.ROOT)
        + " ahead of the Kafka record time "
        + Instant.ofEpochMilli(recordMs)
        + " (expected: at most jobs.event-time-max-ahead = "
        + Durations.format(java.time.Duration.ofMillis(maxAheadMs))
        + " ahead; a wrong clock or year at the producer?)";
  }

  @Override
  public void processElement(RawEvent raw, Context ctx, Collector<Row> out) {
    Row row;
    try {
      row = parser.decode(raw);
    } catch (EventParser.MalformedEventException e) {
      (DeadLetter.MALFORMED.equals(e.reason()) ? malformed : notMaterialized).inc();
      ctx.output(DEAD_LETTERS, new DeadLetter(e.reason(), e.getMessage(), raw));
      return;
    }
    long eventMs = (Long) row.getField(schema.eventMsIndex());
    String ahead = tooEarlyDetail(eventMs, raw.kafkaTimestamp, maxAheadMs);
    if (ahead != null) {
      tooEarly.inc();
      ctx.output(DEAD_LETTERS, new DeadLetter(DeadLetter.TOO_EARLY, ahead, raw));
      return;
    }
    Long max = maxEventMs.get(raw.partition);
    if (max != null) {
      long watermark = max - watermarkDelayMs;
      if (eventMs < watermark - allowedLatenessMs) {
        tooLate.inc();
        ctx.output(
            DEAD_LETTERS,
            new DeadLetter(
                DeadLetter.TOO_LATE, tooLateDetail(eventMs, watermark, allowedLatenessMs), raw));
        return;
      }
    }
    if (max == null || eventMs > max) {
      maxEventMs.put(raw.partition, eventMs);
    }
    accepted.inc();
    out.collect(row);
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    maxState.clear();
    for (Map.Entry<Integer, Long> e : maxEventMs.entrySet()) {
      maxState.add(Tuple2.of(e.getKey(), e.getValue()));
    }
    if (ownerState != null) {
      ownerState.update(java.util.List.of(stateOwner));
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    maxEventMs = new HashMap<>();
    // Union state: after a rescale every subtask sees every partition's maximum, whichever
    // partitions the Kafka source then assigns to it.
    maxState =
        context
            .getOperatorStateStore()
            .getUnionListState(
                new ListStateDescriptor<>(
                    "quiver-partition-max-event-time",
                    TypeInformation.of(new TypeHint<Tuple2<Integer, Long>>() {})));
    for (Tuple2<Integer, Long> t : maxState.get()) {
      maxEventMs.merge(t.f0, t.f1, Math::max);
    }
    if (stateOwner != null) {
      ownerState =
          context
              .getOperatorStateStore()
              .getUnionListState(new ListStateDescriptor<>(STATE_OWNER, Types.STRING));
    }
  }
}
