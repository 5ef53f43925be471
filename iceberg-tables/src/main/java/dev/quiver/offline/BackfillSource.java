package dev.quiver.offline;

import org.apache.iceberg.Schema;

/** The raw history a backfill reads. */
public sealed interface BackfillSource {
  /** A short description for plans, audits and snapshot summaries. */
  String describe();

  /**
   * Raw events in an Iceberg table (or Parquet files registered as one), readable in the batch
   * table environment as {@code flinkName}.
   *
   * @param flinkName the fully quoted Flink SQL name
   * @param schema its columns
   * @param description the user's source reference
   */
  record Table(String flinkName, Schema schema, String description) implements BackfillSource {
    @Override
    public String describe() {
      return description;
    }
  }

  /**
   * A range of a Kafka topic, read as the streaming job reads it (same parser).
   *
   * @param spec {@code kafka} (the view's topic, every retained offset at the start) or {@code
   *     kafka:P:FIRST-END[,P:FIRST-END…]} (partition P from offset FIRST included to END excluded)
   */
  record Kafka(String spec) implements BackfillSource {
    @Override
    public String describe() {
      return spec;
    }
  }
}
