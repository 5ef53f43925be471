package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.ingest.DeadLetter;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.ingest.Deduplicator;
import dev.quiver.jobs.ingest.EventGate;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.RawEvent;
import dev.quiver.jobs.ingest.RawEventDeserializer;
import dev.quiver.jobs.plan.MaterializationPlan;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.types.Row;

/**
 * Wires one view's streaming job into a {@link StreamExecutionEnvironment}: Kafka source (bytes) →
 * {@link EventGate} (parse, per-partition watermark, lateness; rejects to the dead-letter topic) →
 * the planned SQL statement set (dedup, projection, tiles, online and Iceberg sinks). Nothing is
 * executed here; the caller runs {@code env.execute}/{@code executeAsync}.
 */
public final class StreamingPipeline {
  private StreamingPipeline() {}

  /** Adds the job's operators to {@code env}. */
  public static void build(
      StreamExecutionEnvironment env, MaterializationPlan plan, QuiverConfig config) {
    FeatureView view = plan.view();
    Source source = view.source();
    String topic = requireOption(source, "topic");
    String format = source.options().getOrDefault("format", "json").toLowerCase(Locale.ROOT);
    if (!format.equals("json")) {
      throw new IllegalArgumentException(
          "sources."
              + source.name()
              + ".format: '"
              + format
              + "' (expected: json; avro and debezium-json are not supported by the streaming"
              + " job yet)");
    }
    String bootstrap =
        source.options().getOrDefault("bootstrap_servers", config.get(JobOptions.KAFKA_BOOTSTRAP));
    String dlqTopic =
        source.options().getOrDefault("dlq_topic", topic + config.get(JobOptions.DLQ_TOPIC_SUFFIX));
    Properties kafkaProps = new Properties();
    kafkaProps.putAll(config.withPrefix(JobOptions.KAFKA_PROPERTIES_PREFIX));
    source
        .options()
        .forEach(
            (k, v) -> {
              if (k.startsWith("properties.")) {
                kafkaProps.put(k.substring("properties.".length()), v);
              }
            });

    KafkaSource<RawEvent> kafka =
        KafkaSource.<RawEvent>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId(config.get(JobOptions.KAFKA_GROUP_ID) + "-" + view.qualifiedName())
            .setStartingOffsets(
                "latest".equalsIgnoreCase(config.get(JobOptions.STARTING_OFFSETS))
                    ? OffsetsInitializer.latest()
                    : OffsetsInitializer.earliest())
            .setDeserializer(new RawEventDeserializer())
            .setProperties(kafkaProps)
            .build();

    DataStream<RawEvent> raw =
        env.fromSource(kafka, WatermarkStrategy.noWatermarks(), "kafka:" + topic)
            .uid("quiver-source-" + view.name());
    long delay = source.watermarkDelay().toMillis();
    long lateness = view.allowedLateness().toMillis();
    SingleOutputStreamOperator<Row> parsed =
        raw.process(
                new EventGate(plan.eventSchema(), delay, lateness),
                ExternalTypeInfo.of(plan.eventSchema().rowType()))
            .name("parse+lateness")
            .uid("quiver-gate-" + view.name());

    Properties producerProps = new Properties();
    producerProps.putAll(kafkaProps);
    KafkaSink<DeadLetter> dlq =
        KafkaSink.<DeadLetter>builder()
            .setBootstrapServers(bootstrap)
            .setRecordSerializer(new DeadLetterSerializer(dlqTopic))
            .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
            .setKafkaProducerConfig(producerProps)
            .build();
    parsed
        .getSideOutput(EventGate.DEAD_LETTERS)
        .sinkTo(dlq)
        .name("dead-letters:" + dlqTopic)
        .uid("quiver-dlq-" + view.name());

    EventSchema schema = plan.eventSchema();
    int[] keyIndexes = schema.requiredKeys().stream().mapToInt(schema::index).toArray();
    DataStream<Row> accepted = parsed;
    if (source.dedupKey() != null && !source.dedupKey().isBlank()) {
      accepted =
          parsed
              .keyBy(Deduplicator.entityKey(keyIndexes))
              .process(
                  new Deduplicator(schema.index(source.dedupKey()), stateTtl(view, config)),
                  ExternalTypeInfo.of(schema.rowType()))
              .name("dedup:" + source.dedupKey())
              .uid("quiver-dedup-" + view.name());
    }

    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    configureTables(tEnv, view, config);
    tEnv.createTemporaryView(plan.eventsTable(), accepted, schema.tableSchema());
    plan.setup().forEach(tEnv::executeSql);
    plan.views().forEach(tEnv::executeSql);
    StreamStatementSet set = tEnv.createStatementSet();
    plan.inserts().forEach(set::addInsertSql);
    set.attachAsDataStream();
  }

  /**
   * The state TTL of dedup keys and tile accumulators: the configured dedup TTL, but never less
   * than twice the time a tile can still receive events (tile + watermark delay + allowed
   * lateness), so that a tile's partial state is never dropped while events can still reach it.
   */
  static Duration stateTtl(FeatureView view, QuiverConfig config) {
    Duration floor =
        view.tileSize()
            .plus(view.source().watermarkDelay())
            .plus(view.allowedLateness())
            .multipliedBy(2);
    Duration ttl = config.get(JobOptions.DEDUP_TTL);
    return ttl.compareTo(floor) < 0 ? floor : ttl;
  }

  static void configureTables(StreamTableEnvironment tEnv, FeatureView view, QuiverConfig config) {
    var conf = tEnv.getConfig();
    conf.setIdleStateRetention(stateTtl(view, config));
    Duration miniBatch = config.get(JobOptions.MINI_BATCH_LATENCY);
    if (!miniBatch.isZero()) {
      conf.set("table.exec.mini-batch.enabled", "true");
      conf.set("table.exec.mini-batch.allow-latency", miniBatch.toMillis() + " ms");
      conf.set(
          "table.exec.mini-batch.size", Integer.toString(config.get(JobOptions.MINI_BATCH_SIZE)));
    }
    conf.set("pipeline.name", "quiver-materialize-" + view.qualifiedName() + "-" + view.version());
  }

  private static String requireOption(Source source, String key) {
    String v = source.option(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(
          "sources." + source.name() + "." + key + ": missing (expected: the Kafka " + key + ")");
    }
    return v;
  }
}
