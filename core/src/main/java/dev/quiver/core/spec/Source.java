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

  /** This source with another kind (the other fields as they are). */
  public Source withKind(String kind) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with another raw-event schema. */
  public Source withSchema(List<SourceField> schema) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with another event-time field. */
  public Source withEventTimeField(String eventTimeField) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with another dedup key (null: none). */
  public Source withDedupKey(String dedupKey) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with another watermark delay. */
  public Source withWatermarkDelay(Duration watermarkDelay) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with these options instead of its own. */
  public Source withOptions(Map<String, String> options) {
    return new Source(
        namespace, name, kind, schema, eventTimeField, dedupKey, watermarkDelay, options);
  }

  /** This source with its options plus (or overridden by) {@code more}. */
  public Source withMoreOptions(Map<String, String> more) {
    Map<String, String> merged = new java.util.HashMap<>(options);
    merged.putAll(more);
    return withOptions(merged);
  }
}
