package dev.quiver.core.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a view's events come from. A stream (Kafka) or a batch table (Iceberg, Parquet files, or a
 * JDBC table). Both carry the schema of the raw events, the event-time field and an optional dedup
 * key.
 *
 * @param name the source's registered name (a view may reference a source by name)
 * @param kind {@code kafka}, {@code iceberg}, {@code parquet} or {@code jdbc}
 * @param schema raw event columns
 * @param eventTimeField the event-time column (TIMESTAMP, or INT64 epoch millis)
 * @param dedupKey column whose repeats are duplicates (e.g. {@code txn_id}); null for none
 * @param watermarkDelay bounded out-of-orderness of the watermark
 * @param options kind-specific settings: kafka {@code topic}, {@code format} (json, avro,
 *     debezium-json), {@code bootstrap_servers}; iceberg {@code table}; parquet {@code path}; jdbc
 *     {@code url}, {@code table}; anything under {@code properties.} is passed to the client
 *     verbatim
 */
public record Source(
    String namespace,
    String name,
    String kind,
    List<SourceField> schema,
    String eventTimeField,
    String dedupKey,
    Duration watermarkDelay,
    Map<String, String> options) {

  public Source {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    schema = List.copyOf(schema);
    Objects.requireNonNull(eventTimeField, "eventTimeField");
    watermarkDelay = watermarkDelay == null ? Duration.ZERO : watermarkDelay;
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  public boolean isStream() {
    return "kafka".equals(kind);
  }

  public Optional<SourceField> field(String column) {
    return schema.stream().filter(f -> f.name().equals(column)).findFirst();
  }

  public String option(String key) {
    return options.get(key);
  }
}
