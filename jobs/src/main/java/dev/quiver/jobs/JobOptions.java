package dev.quiver.jobs;

import dev.quiver.core.config.ConfigOption;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import java.time.Duration;
import java.util.List;

/**
 * Typed options of the materialization jobs ({@code jobs.*} and {@code kafka.*} in {@code
 * quiver.yaml}). Raw Kafka client settings go under {@code kafka.properties.} and are passed to the
 * consumer and producers verbatim.
 */
public final class JobOptions {
  private JobOptions() {}

  /**
   * The Kafka bootstrap servers of {@code source}: its {@code bootstrap_servers} option, else
   * {@code kafka.bootstrap-servers}.
   *
   * @throws IllegalArgumentException naming the setting when it is empty (the Kafka client's own
   *     error was a raw KafkaException, "No resolvable bootstrap urls")
   */
  public static String bootstrapServers(Source source, QuiverConfig config) {
    String own = source.options().get("bootstrap_servers");
    if (own != null) {
      if (own.isBlank()) {
        throw new IllegalArgumentException(
            "source "
                + source.name()
                + ": option bootstrap_servers is empty; set it to HOST:PORT[,HOST:PORT...] or"
                + " remove it to use kafka.bootstrap-servers");
      }
      return own.strip();
    }
    String bootstrap = config.get(KAFKA_BOOTSTRAP);
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException(
          "kafka.bootstrap-servers is empty (source "
              + source.name()
              + "); set it to HOST:PORT[,HOST:PORT...], e.g. --set"
              + " kafka.bootstrap-servers=127.0.0.1:9092, or give the source a bootstrap_servers"
              + " option");
    }
    return bootstrap.strip();
  }

  /**
   * Whether a job without a checkpoint starts reading {@code source} at the end of its topic: the
   * source's {@code startup_mode} option, else {@code jobs.starting-offsets}. Before: the option
   * was accepted by the spec but ignored (a {@code startup_mode: latest} source was read from the
   * beginning), and any value of {@code jobs.starting-offsets} but {@code latest}, a typo included,
   * meant earliest.
   *
   * @throws IllegalArgumentException naming the setting when the value is neither earliest nor
   *     latest
   */
  public static boolean startsAtLatest(Source source, QuiverConfig config) {
    String own = source.options().get("startup_mode");
    return own != null
        ? latest(own, "sources." + source.name() + ".options.startup_mode")
        : latest(config.get(STARTING_OFFSETS), STARTING_OFFSETS.key());
  }

  private static boolean latest(String value, String setting) {
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "earliest", "earliest-offset" -> false;
      case "latest", "latest-offset" -> true;
      default ->
          throw new IllegalArgumentException(
              setting
                  + ": '"
                  + value
                  + "' is not a starting position (expected: earliest, the topic's first record,"
                  + " or latest, its end)");
    };
  }

  /**
   * The consumer group the job commits its Kafka offsets to (for monitoring; the offsets that count
   * live in the checkpoints): the source's {@code group_id} option, else {@code kafka.group-id},
   * then {@code -<namespace>.<view>-v<major>}, so that the jobs of two majors of a view, or of two
   * views of one source, do not commit to one group. Before: the source's {@code group_id} was
   * ignored, and the majors of a view shared one group.
   */
  public static String groupId(FeatureView view, QuiverConfig config) {
    String own = view.source().options().get("group_id");
    String prefix = own != null && !own.isBlank() ? own.strip() : config.get(KAFKA_GROUP_ID);
    return prefix + "-" + view.qualifiedName() + "-v" + view.version().major();
  }

  public static final ConfigOption<String> KAFKA_BOOTSTRAP =
      ConfigOption.string(
          "kafka.bootstrap-servers",
          "127.0.0.1:9092",
          "Kafka bootstrap servers used when a source does not name its own bootstrap_servers.");

  public static final ConfigOption<String> KAFKA_GROUP_ID =
      ConfigOption.string(
          "kafka.group-id",
          "quiver-materialize",
          "Consumer group prefix, unless the source sets group_id; the job appends -<namespace>.<view>-v<major>"
              + " (offsets live in checkpoints).");

  public static final ConfigOption<String> STARTING_OFFSETS =
      ConfigOption.string(
          "jobs.starting-offsets",
          "earliest",
          "Where a job without a checkpoint starts reading, unless the source sets startup_mode:"
              + " earliest or latest.");

  public static final ConfigOption<String> DLQ_TOPIC_SUFFIX =
      ConfigOption.string(
          "jobs.dlq.topic-suffix",
          ".dlq",
          "Dead-letter topic = source topic + this suffix, unless the source sets option"
              + " dead_letter_topic.");

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      ConfigOption.duration(
          "jobs.checkpoint-interval",
          Duration.ofSeconds(5),
          "Checkpoint interval: Iceberg commits and online flushes happen at least this often.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      ConfigOption.string(
          "jobs.checkpoint-dir",
          ".quiver/checkpoints",
          "Where checkpoints (RocksDB state, Kafka offsets) are written; a path or URI.");

  public static final ConfigOption<Duration> DEDUP_TTL =
      ConfigOption.duration(
          "jobs.dedup-ttl",
          Duration.ofDays(1),
          "How long dedup keys (and tile partial states) are kept in state. Raised automatically:"
              + " dedup keys to at least twice tile + watermark delay + allowed lateness, tile"
              + " states to at least twice the longest tile (the 1d rollup) + watermark delay +"
              + " allowed lateness.");

  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOption.integer("jobs.parallelism", 1, "Default parallelism of a materialization job.");

  public static final ConfigOption<Duration> ONLINE_FLUSH_INTERVAL =
      ConfigOption.duration(
          "jobs.online.flush-interval",
          Duration.ofMillis(100),
          "Longest time an online write waits in the sink's batch (bounds freshness).");

  public static final ConfigOption<Integer> ONLINE_BATCH_SIZE =
      ConfigOption.integer(
          "jobs.online.batch-size", 2000, "Online writes per batch before a forced flush.");

  public static final ConfigOption<Duration> MINI_BATCH_LATENCY =
      ConfigOption.duration(
          "jobs.mini-batch-latency",
          Duration.ofMillis(200),
          "Flink SQL mini-batch latency of the tile aggregation: tile states are read from and"
              + " written to state once per key per batch, not per event; 0ms disables it.");

  public static final ConfigOption<Integer> MINI_BATCH_SIZE =
      ConfigOption.integer(
          "jobs.mini-batch-size",
          10_000,
          "Rows buffered per mini-batch before it is processed (with jobs.mini-batch-latency).");

  public static final ConfigOption<Duration> SOURCE_IDLE_TIMEOUT =
      ConfigOption.duration(
          "jobs.source-idle-timeout",
          Duration.ofSeconds(30),
          "A Kafka partition that sends no event for this long stops holding back the event-time"
              + " watermark of tumbling-window transformations, so their windows still close"
              + " while it is silent; after a job starts or is restored, no window closes for"
              + " this long, as a partition not heard from yet counts as silent since the start;"
              + " 0s turns it off (a silent partition then keeps them open).");

  public static final ConfigOption<Duration> EVENT_TIME_MAX_AHEAD =
      ConfigOption.duration(
          "jobs.event-time-max-ahead",
          Duration.ofHours(1),
          "An event whose time is further than this ahead of its Kafka record timestamp goes to the"
              + " dead-letter topic (reason too_early) instead of moving its partition's watermark"
              + " into the future, which would make every later event too late; 0s turns the"
              + " check off.");

  /** Raw Kafka client settings prefix. */
  public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

  public static List<ConfigOption<?>> all() {
    return List.of(
        KAFKA_BOOTSTRAP,
        KAFKA_GROUP_ID,
        STARTING_OFFSETS,
        DLQ_TOPIC_SUFFIX,
        CHECKPOINT_INTERVAL,
        CHECKPOINT_DIR,
        DEDUP_TTL,
        PARALLELISM,
        ONLINE_FLUSH_INTERVAL,
        ONLINE_BATCH_SIZE,
        MINI_BATCH_LATENCY,
        MINI_BATCH_SIZE,
        SOURCE_IDLE_TIMEOUT,
        EVENT_TIME_MAX_AHEAD);
  }
}
