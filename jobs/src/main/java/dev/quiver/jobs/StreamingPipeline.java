package dev.quiver.jobs;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.ingest.DeadLetter;
import dev.quiver.jobs.ingest.DeadLetterSerializer;
import dev.quiver.jobs.ingest.Deduplicator;
import dev.quiver.jobs.ingest.EventGate;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.ingest.EventTimeWatermarks;
import dev.quiver.jobs.ingest.RawEvent;
import dev.quiver.jobs.ingest.RawEventDeserializer;
import dev.quiver.jobs.ingest.SourceFormat;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Wires one view's streaming job into a {@link StreamExecutionEnvironment}: Kafka source (bytes) →
 * {@link EventGate} (parse, per-partition watermark, lateness; rejects to the dead-letter topic) →
 * the planned SQL statement set (dedup, projection, tiles, online and Iceberg sinks). Nothing is
 * executed here; the caller runs {@code env.execute}/{@code executeAsync}.
 */
public final class StreamingPipeline {
  /** The broker's default {@code transaction.max.timeout.ms}: 15 minutes. */
  static final long DLQ_TRANSACTION_TIMEOUT_MS = 15 * 60 * 1000L;

  /**
   * How often the Kafka source looks for new partitions, and so how soon a job started before its
   * topic exists begins reading it ({@code kafka.properties.partition.discovery.interval.ms}
   * overrides it).
   */
  static final Duration TOPIC_DISCOVERY_INTERVAL = Duration.ofSeconds(10);

  private StreamingPipeline() {}

  /**
   * Asks the view's Kafka brokers for its topic before a job starts, so that a wrong or stopped
   * broker is an error naming the setting instead of a job that waits silently (Flink's Kafka
   * source retries forever). Uses the job's own bootstrap servers and client properties.
   *
   * <p>Also asks for the dead-letter topic: on a broker that does not create topics on first use
   * ({@code auto.create.topics.enable=false}, usual in production), a missing one made the job fail
   * at the first checkpoint after its first dead letter, on every restart, until the restarts ran
   * out, while nothing reached Iceberg (the dead-letter producer's "Topic ... not present in
   * metadata after 60000 ms").
   *
   * @return a warning when the topic does not exist yet (the job waits for it), or when the
   *     dead-letter topic does not exist and the broker's setting could not be read, else null
   * @throws IllegalArgumentException when no broker answers within {@code timeout}, or when the
   *     dead-letter topic does not exist on a broker that does not create topics
   */
  public static String checkKafka(FeatureView view, QuiverConfig config, Duration timeout) {
    Source source = view.source();
    String topic = requireOption(source, "topic");
    String bootstrap = JobOptions.bootstrapServers(source, config);
    Properties p = new Properties();
    p.putAll(config.withPrefix(JobOptions.KAFKA_PROPERTIES_PREFIX));
    source
        .options()
        .forEach(
            (k, v) -> {
              if (k.startsWith("properties.")) {
                p.put(k.substring("properties.".length()), v);
              }
            });
    p.put("bootstrap.servers", bootstrap);
    p.put("default.api.timeout.ms", Long.toString(timeout.toMillis()));
    p.put("request.timeout.ms", Long.toString(timeout.toMillis()));
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<String, ?> topics = c.listTopics(timeout);
      List<String> warnings = new ArrayList<>();
      if (!topics.containsKey(topic)) {
        warnings.add(
            "topic '" + topic + "' does not exist yet at " + bootstrap + "; the job waits for it");
      }
      String dlq = deadLetterTopic(source, config);
      if (!topics.containsKey(dlq)) {
        String autoCreate = brokerSetting(p, "auto.create.topics.enable", timeout);
        String problem =
            "dead-letter topic '"
                + dlq
                + "' does not exist at "
                + bootstrap
                + " (source "
                + source.name()
                + ")";
        String fix =
            "create it (kafka-topics.sh --create --topic "
                + dlq
                + "), or name an existing one in the source's dead_letter_topic option";
        if ("false".equals(autoCreate)) {
          throw new IllegalArgumentException(
              problem
                  + " and the broker does not create topics (auto.create.topics.enable=false):"
                  + " the job would fail at its first dead letter, on every restart; "
                  + fix);
        }
        if (autoCreate == null) {
          warnings.add(
              problem
                  + "; unless the broker creates topics on first use, the job fails at its first"
                  + " dead letter: "
                  + fix);
        }
      }
      return warnings.isEmpty() ? null : String.join("; ", warnings);
    } catch (TimeoutException e) {
      throw new IllegalArgumentException(
          "kafka.bootstrap-servers: no Kafka broker answered at "
              + bootstrap
              + " within "
              + timeout.toSeconds()
              + " s (source "
              + source.name()
              + ", topic '"
              + topic
              + "'); start the broker, or set kafka.bootstrap-servers (--set"
              + " kafka.bootstrap-servers=HOST:PORT) or the source's bootstrap_servers option");
    }
  }

  /**
   * A broker setting of the first broker that answers, or null when it cannot be read (no
   * DESCRIBE_CONFIGS permission, a timeout).
   */
  private static String brokerSetting(Properties client, String name, Duration timeout) {
    try (Admin admin = Admin.create(client)) {
      var nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (nodes.isEmpty()) {
        return null;
      }
      ConfigResource broker =
          new ConfigResource(
              ConfigResource.Type.BROKER, Integer.toString(nodes.iterator().next().id()));
      var entry =
          admin
              .describeConfigs(List.of(broker))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(broker)
              .get(name);
      return entry == null ? null : entry.value();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * The dead-letter topic of a Kafka source: its {@code dead_letter_topic} option, else the topic
   * plus {@code jobs.dlq.topic-suffix}.
   *
   * @throws IllegalArgumentException when that is the source's own topic (an empty suffix, or an
   *     option the spec validator refuses now but a registry may hold from before): the job would
   *     read each dead letter again, reject it again and write it again, without end
   */
  public static String deadLetterTopic(Source source, QuiverConfig config) {
    String topic = requireOption(source, "topic");
    String option =
        source.options().getOrDefault("dead_letter_topic", source.options().get("dlq_topic"));
    String dlq = option != null ? option : topic + config.get(JobOptions.DLQ_TOPIC_SUFFIX);
    if (dlq.strip().equals(topic.strip())) {
      String loop =
          ": every dead letter would be read again, rejected again and written again, without end;";
      if (option == null) {
        throw new IllegalArgumentException(
            JobOptions.DLQ_TOPIC_SUFFIX.key()
                + ": '"
                + config.get(JobOptions.DLQ_TOPIC_SUFFIX)
                + "' makes the dead-letter topic of source "
                + source.name()
                + " its own topic '"
                + topic
                + "'"
                + loop
                + " set a suffix (the default is .dlq) or the source's dead_letter_topic option");
      }
      throw new IllegalArgumentException(
          "sources."
              + source.name()
              + ".options.dead_letter_topic: '"
              + option
              + "' is the source's own topic"
              + loop
              + " name another topic, e.g. "
              + topic.strip()
              + ".dlq");
    }
    try {
      org.apache.kafka.common.internals.Topic.validate(dlq);
    } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
      // the producer would fail at the first dead letter, on every restart
      throw new IllegalArgumentException(
          (option == null
                  ? JobOptions.DLQ_TOPIC_SUFFIX.key()
                      + ": '"
                      + config.get(JobOptions.DLQ_TOPIC_SUFFIX)
                      + "' makes the dead-letter topic of source "
                      + source.name()
                      + " '"
                      + dlq
                      + "'"
                  : "sources." + source.name() + ".options.dead_letter_topic: '" + dlq + "'")
              + ", which is not a legal Kafka topic name ("
              + e.getMessage()
              + "); use letters, digits, '.', '_' and '-' only");
    }
    return dlq;
  }

  /** Adds the job's operators to {@code env}. */
  public static void build(
      StreamExecutionEnvironment env, MaterializationPlan plan, QuiverConfig config) {
    FeatureView view = plan.view();
    // a restore of another major's state is refused before anything runs (RestoredState)
    env.getConfiguration()
        .getOptional(org.apache.flink.configuration.StateRecoveryOptions.SAVEPOINT_PATH)
        .ifPresent(path -> RestoredState.requireOwnState(path, view));
    Source source = view.source();
    String topic = requireOption(source, "topic");
    SourceFormat format = SourceFormat.of(source);
    format.decoder(plan.eventSchema()); // fail now, not in the task, on a schema mismatch
    String bootstrap = JobOptions.bootstrapServers(source, config);
    String dlqTopic = deadLetterTopic(source, config);
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

    // A topic given by name fails the job when it does not exist (the enumerator's metadata
    // request), and after the restart budget the job is gone. A pattern matching only that name
    // finds no partition instead, and partition discovery picks the topic up once it is created:
    // the job waits for its topic, as checkKafka's warning says.
    kafkaProps.putIfAbsent(
        "partition.discovery.interval.ms", Long.toString(TOPIC_DISCOVERY_INTERVAL.toMillis()));
    KafkaSource<RawEvent> kafka =
        KafkaSource.<RawEvent>builder()
            .setBootstrapServers(bootstrap)
            .setTopicPattern(Pattern.compile(Pattern.quote(topic)))
            .setGroupId(JobOptions.groupId(view, config))
            .setStartingOffsets(
                JobOptions.startsAtLatest(source, config)
                    ? new dev.quiver.jobs.ingest.LatestOffsets()
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
                new EventGate(
                    plan.eventSchema(),
                    format,
                    delay,
                    lateness,
                    config.get(JobOptions.EVENT_TIME_MAX_AHEAD).toMillis(),
                    EventGate.stateOwner(view)),
                ExternalTypeInfo.of(plan.eventSchema().rowType()))
            .name("parse+lateness")
            .uid("quiver-gate-" + view.name());

    KafkaSink<DeadLetter> dlq = deadLetterSink(view, bootstrap, dlqTopic, kafkaProps);
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
    if (JobPlanner.needsRowtime(view)) {
      accepted =
          accepted
              .assignTimestampsAndWatermarks(
                  EventTimeWatermarks.strategy(
                      schema, delay + lateness, config.get(JobOptions.SOURCE_IDLE_TIMEOUT)))
              .name("event-time watermarks")
              .uid("quiver-watermarks-" + view.name());
      tEnv.createTemporaryView(plan.eventsTable(), accepted, schema.tableSchemaWithRowtime());
    } else {
      tEnv.createTemporaryView(plan.eventsTable(), accepted, schema.tableSchema());
    }
    plan.setup().forEach(tEnv::executeSql);
    RowFeatureExpressions.createViews(tEnv, plan);
    StreamStatementSet set = tEnv.createStatementSet();
    plan.inserts().forEach(set::addInsertSql);
    set.attachAsDataStream();
  }

  /**
   * The dead-letter producer: exactly-once, in Kafka transactions committed with each checkpoint,
   * so a restore never writes a dead letter twice ({@code read_committed} consumers see each
   * rejected record once, a checkpoint interval after it was rejected). The transactional id prefix
   * is stable across restarts and unique per view version and topic; the transaction timeout
   * defaults to 15 minutes, the broker's default maximum ({@code transaction.max.timeout.ms}), and
   * can be set as {@code kafka.properties.transaction.timeout.ms}.
   */
  static KafkaSink<DeadLetter> deadLetterSink(
      FeatureView view, String bootstrap, String dlqTopic, Properties kafkaProps) {
    Properties producerProps = new Properties();
    producerProps.putAll(kafkaProps);
    producerProps.putIfAbsent("transaction.timeout.ms", Long.toString(DLQ_TRANSACTION_TIMEOUT_MS));
    return KafkaSink.<DeadLetter>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(
            new DeadLetterSerializer(
                dlqTopic,
                view.qualifiedName() + ":v" + view.version().major(),
                maxRequestSize(producerProps)))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(
            "quiver-dlq-" + view.qualifiedName() + "-v" + view.version().major() + "-" + dlqTopic)
        .setKafkaProducerConfig(producerProps)
        .build();
  }

  /** The producer's {@code max.request.size} (Kafka's default 1 MiB unless set). */
  static int maxRequestSize(Properties producerProps) {
    String v = producerProps.getProperty("max.request.size");
    if (v == null || v.isBlank()) {
      return DeadLetterSerializer.DEFAULT_MAX_REQUEST_SIZE;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "kafka.properties.max.request.size: '"
              + v
              + "' is not a number of bytes (expected e.g. 1048576)");
    }
  }

  /**
   * The state TTL of dedup keys: the configured dedup TTL, but never less than twice the time a
   * tile can still receive events (tile + watermark delay + allowed lateness), so that a tile's
   * partial state is never dropped while events can still reach it.
   */
  static Duration stateTtl(FeatureView view, QuiverConfig config) {
    return atLeastTwiceOpen(config.get(JobOptions.DEDUP_TTL), view.tileSize(), view);
  }

  /** {@code ttl}, but never less than twice (tile + watermark delay + allowed lateness). */
  private static Duration atLeastTwiceOpen(Duration ttl, Duration tile, FeatureView view) {
    Duration floor =
        tile.plus(view.source().watermarkDelay()).plus(view.allowedLateness()).multipliedBy(2);
    return ttl.compareTo(floor) < 0 ? floor : ttl;
  }

  /**
   * The state retention of the job's SQL (tile accumulators): the dedup keys' {@link #stateTtl},
   * but never less than twice the time the longest tile can still receive events: its largest
   * resolution (the 1d rollup) + watermark delay + allowed lateness. Session 12 QA pass: the floor
   * used the fine tile only, so a 1h or 1d rollup tile whose entity was quiet for longer than the
   * TTL lost its state, and the next event of that hour or day rewrote the online tile with that
   * event alone (with {@code jobs.dedup-ttl: 2h}, any entity quiet for two hours of a day).
   */
  static Duration tileStateTtl(FeatureView view, QuiverConfig config) {
    List<Long> resolutions = dev.quiver.core.tile.Tiling.forView(view).resolutions();
    Duration longest = Duration.ofMillis(resolutions.get(resolutions.size() - 1));
    return atLeastTwiceOpen(stateTtl(view, config), longest, view);
  }

  static void configureTables(StreamTableEnvironment tEnv, FeatureView view, QuiverConfig config) {
    var conf = tEnv.getConfig();
    // UTC, as backfills run the same SQL: windows aligned to the epoch, and the same values for
    // time functions in row features (HOUR(ts), DATE_FORMAT(ts, ...), CAST(ts AS STRING)) whatever
    // the machine's zone. Before: only tumbling-window views ran in UTC; the others
    // took the JVM's zone, so the job and a backfill wrote different values for one event.
    conf.setLocalTimeZone(java.time.ZoneOffset.UTC);
    conf.setIdleStateRetention(tileStateTtl(view, config));
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
          "sources."
              + source.name()
              + ".options."
              + key
              + ": missing (expected: the Kafka "
              + key
              + "); add options: {"
              + key
              + ": ...} to the source");
    }
    return v;
  }
}
