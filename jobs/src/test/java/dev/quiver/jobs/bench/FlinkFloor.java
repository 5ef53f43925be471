package dev.quiver.jobs.bench;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.testing.BenchWorkDir;
import dev.quiver.jobs.JobOptions;
import dev.quiver.jobs.LocalFlink;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.ingest.Deduplicator;
import dev.quiver.jobs.ingest.EventGate;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import dev.quiver.jobs.ingest.RawEventDeserializer;
import dev.quiver.jobs.ingest.SourceFormat;
import dev.quiver.jobs.plan.MaterializationPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.types.Row;

/**
 * The Flink floor of {@link IngestBench}: what Flink itself does on this machine with the job's
 * first stage and nothing else. The same topic is read by the same Kafka source (bytes, {@link
 * RawEventDeserializer}) and decoded by the same {@link EventGate} (JSON into the view's row type,
 * per-partition watermark and lateness cut) at the same parallelism and with the job's Flink
 * configuration ({@link LocalFlink}: RocksDB backend, checkpoints, object reuse), into a discarding
 * sink. Variant {@code keyBy}: the same plus one keyBy on the entity (the job's first shuffle)
 * before the sink. No state, no SQL, no online store, no Iceberg.
 *
 * <p>The source is bounded at the topic's end. The rate counts the rows reaching the sink from 10%
 * of the accepted events to the job's end; each variant runs twice in the same JVM and the second
 * run is reported (the first warms the JIT up).
 */
final class FlinkFloor {
  /** Rows that reached the floor's sink (the MiniCluster runs in this JVM). */
  static final LongAdder SEEN = new LongAdder();

  private FlinkFloor() {}

  /** Runs both variants and returns their figures. */
  static Map<String, Object> run(
      String bootstrap, String topic, int events, FeatureView view, List<JoinKey> keys)
      throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Path checkpoints = Files.createTempDirectory("quiver-floor");
    try {
      for (boolean keyBy : new boolean[] {false, true}) {
        once(bootstrap, topic, events, view, keys, keyBy, checkpoints); // JIT warm-up
        out.put(
            keyBy ? "decodeKeyBy" : "decode",
            once(bootstrap, topic, events, view, keys, keyBy, checkpoints));
      }
    } finally {
      BenchWorkDir.delete(checkpoints);
    }
    return out;
  }

  private static Map<String, Object> once(
      String bootstrap,
      String topic,
      int events,
      FeatureView view,
      List<JoinKey> keys,
      boolean keyBy,
      Path checkpoints)
      throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(JobOptions.PARALLELISM.key(), IngestBench.env("QUIVER_BENCH_PARALLELISM", "2"));
    settings.put(
        JobOptions.CHECKPOINT_INTERVAL.key(),
        IngestBench.env("QUIVER_BENCH_CHECKPOINT_INTERVAL", "5s"));
    settings.put(JobOptions.CHECKPOINT_DIR.key(), checkpoints.toString());
    QuiverConfig config = QuiverConfig.of(settings);
    MaterializationPlan plan = Materializer.plan(view, keys, config);
    EventSchema schema = plan.eventSchema();
    StreamExecutionEnvironment env =
        LocalFlink.localEnvironment(LocalFlink.configuration(config, null, false));
    KafkaSource<RawEvent> kafka =
        KafkaSource.<RawEvent>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId("quiver-floor")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setBounded(OffsetsInitializer.latest())
            .setDeserializer(new RawEventDeserializer())
            .build();
    long delay = view.source().watermarkDelay().toMillis();
    long lateness = view.allowedLateness().toMillis();
    DataStream<Row> rows =
        env.fromSource(kafka, WatermarkStrategy.noWatermarks(), "kafka:" + topic)
            .process(
                new EventGate(schema, SourceFormat.of(view.source()), delay, lateness),
                ExternalTypeInfo.of(schema.rowType()));
    if (keyBy) {
      int[] keyIndexes = schema.requiredKeys().stream().mapToInt(schema::index).toArray();
      rows =
          rows.keyBy(Deduplicator.entityKey(keyIndexes)).map(new Count()).returns(rows.getType());
    } else {
      rows = rows.map(new Count()).returns(rows.getType());
    }
    rows.sinkTo(new DiscardingSink<>());
    SEEN.reset();
    JobClient job = env.executeAsync("quiver-floor" + (keyBy ? "-keyby" : ""));
    long startAt = (long) (events * 0.09); // ~10% of the accepted events
    long[] first = null;
    long lastNs = 0;
    long lastCpu = 0;
    long lastCount = 0;
    // The per-job MiniCluster shuts down when the bounded job ends: wait on its result.
    var done = job.getJobExecutionResult();
    while (!done.isDone()) {
      Thread.sleep(20);
      long n = SEEN.sum();
      long now = System.nanoTime();
      if (first == null && n >= startAt) {
        first = new long[] {now, n, ThreadCpu.processCpuNanos()};
      }
      if (n > lastCount) {
        lastCount = n;
        lastNs = now;
        lastCpu = ThreadCpu.processCpuNanos();
      }
    }
    done.get();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("rows", SEEN.sum());
    if (first == null || lastNs <= first[0]) {
      r.put("eventsPerSec", null);
      return r;
    }
    double rate = (lastCount - first[1]) / ((lastNs - first[0]) / 1e9);
    r.put("measuredRows", lastCount - first[1]);
    r.put("eventsPerSec", Math.round(rate));
    r.put(
        "cpuMicrosPerEvent",
        Math.round((lastCpu - first[2]) / 1000.0 / (lastCount - first[1]) * 10) / 10.0);
    System.out.println(
        "floor (kafka source + decode"
            + (keyBy ? " + keyBy" : "")
            + " -> discard): "
            + r.get("eventsPerSec")
            + " events/s, "
            + r.get("cpuMicrosPerEvent")
            + " us CPU/event");
    return r;
  }

  /** Counts the rows that reach the sink. */
  private static final class Count implements MapFunction<Row, Row> {
    @Override
    public Row map(Row row) {
      SEEN.increment();
      return row;
    }
  }
}
