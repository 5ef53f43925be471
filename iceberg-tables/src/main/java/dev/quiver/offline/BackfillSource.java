package dev.quiver.offline;

import java.util.List;
import org.apache.iceberg.Schema;

/** The raw history a backfill reads. */
public sealed interface BackfillSource {
  /**
   * The columns of raw events in a table that hold their Kafka offset, in order of preference (the
   * backfill's {@code _seq}); without one every event's {@code _seq} is 0.
   */
  List<String> OFFSET_COLUMNS = List.of("_seq", "offset");

  /** A short description for plans, audits and snapshot summaries. */
  String describe();

  /**
   * Whether each event carries its Kafka offset as {@code _seq}: always for a Kafka range, for a
   * table when it has one of {@link #OFFSET_COLUMNS}.
   */
  boolean carriesOffsets();

  /**
   * Raw events in an Iceberg table (or Parquet files registered as one), readable in the batch
   * table environment as {@code flinkName}.
   *
   * @param flinkName the fully quoted Flink SQL name
   * @param schema its columns
   * @param description the user's source reference
   * @param loader loads the table on the job's side (a scan with {@code filter})
   * @param filter the rows the backfill's range needs ({@link EventTimeFilter}): a scan with it
   *     skips the data files and row groups whose statistics rule them out; inclusive, so the
   *     backfill's SQL still applies its exact range to the rows read
   */
  record Table(
      String flinkName,
      Schema schema,
      String description,
      org.apache.iceberg.flink.TableLoader loader,
      org.apache.iceberg.expressions.Expression filter)
      implements BackfillSource {
    @Override
    public String describe() {
      return description;
    }

    @Override
    public boolean carriesOffsets() {
      return OFFSET_COLUMNS.stream().anyMatch(c -> schema.findField(c) != null);
    }
  }

  /**
   * A range of a Kafka topic, read as the streaming job reads it (same parser).
   *
   * @param spec {@code kafka} (the view's topic, every retained offset at the start) or {@code
   *     kafka:P:FIRST-END[,P:FIRST-END…]} (partition P from offset FIRST included to END excluded)
   */
  record Kafka(String spec) implements BackfillSource {
    /** Checks the spec's form (not the broker): a malformed range is refused when submitted. */
    public Kafka {
      ranges(spec);
    }

    /**
     * The explicit ranges of {@code spec}, partition to {@code {first, end}} in the order given;
     * empty for {@code kafka} (every retained offset).
     *
     * @throws IllegalArgumentException naming the malformed part of the spec
     */
    public static java.util.Map<Integer, long[]> ranges(String spec) {
      java.util.Map<Integer, long[]> out = new java.util.LinkedHashMap<>();
      if (!spec.startsWith("kafka:")) {
        return out;
      }
      for (String part : spec.substring("kafka:".length()).split(",")) {
        String[] pr = part.trim().split(":");
        String[] range = pr.length == 2 ? pr[1].split("-") : new String[0];
        try {
          if (range.length != 2) {
            throw new NumberFormatException();
          }
          int partition = Integer.parseInt(pr[0]);
          long a = Long.parseLong(range[0]);
          long b = Long.parseLong(range[1]);
          if (partition < 0 || a < 0 || b < a) {
            throw new NumberFormatException();
          }
          out.put(partition, new long[] {a, b});
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "source: '"
                  + part
                  + "' in '"
                  + spec
                  + "' (expected: kafka:PARTITION:FIRST-END[,...], offsets FIRST included and END"
                  + " excluded, e.g. kafka:0:100-200)");
        }
      }
      return out;
    }

    @Override
    public String describe() {
      return spec;
    }

    @Override
    public boolean carriesOffsets() {
      return true;
    }
  }
}
