package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Appends rows to an offline table from a single process (Iceberg's generic Parquet writer): one
 * data file per day partition, one atomic snapshot per call. Used by backfills that run off Flink,
 * by tools and by tests; the streaming job writes through Iceberg's Flink sink instead.
 *
 * <p>Not thread-safe per instance; concurrent appends to one table from several writers are safe
 * (Iceberg's optimistic commit retries).
 */
public final class OfflineWriter {
  private final Table table;
  private final Schema schema;
  private final Map<PartitionKey, List<Record>> buffered = new LinkedHashMap<>();
  private final PartitionKey keyTemplate;
  private final InternalRecordWrapper wrapper;

  public OfflineWriter(Table table) {
    this.table = table;
    this.schema = table.schema();
    this.keyTemplate = new PartitionKey(table.spec(), schema);
    this.wrapper = new InternalRecordWrapper(schema.asStruct());
  }

  /**
   * A record of this table from column values. Timestamps may be given as {@link Instant}, {@link
   * OffsetDateTime} or epoch millis (long) for timestamptz columns; missing columns are null.
   */
  public Record record(Map<String, ?> values) {
    GenericRecord r = GenericRecord.create(schema);
    for (Map.Entry<String, ?> e : values.entrySet()) {
      var field = schema.findField(e.getKey());
      if (field == null) {
        throw new IllegalArgumentException(
            "column '" + e.getKey() + "' is not in offline table " + table.name() + " " + schema);
      }
      r.setField(e.getKey(), IcebergValues.toIceberg(field.type(), e.getValue()));
    }
    return r;
  }

  /** Buffers one record for the next {@link #commit}. */
  public void add(Record record) {
    PartitionKey key = keyTemplate.copy();
    key.partition(wrapper.wrap(record));
    buffered.computeIfAbsent(key, k -> new ArrayList<>()).add(record);
  }

  /**
   * Writes the buffered records and commits them as one snapshot with the given summary properties
   * (for example {@link OfflineTables#BACKFILL_ID_PROPERTY}).
   *
   * @return the new snapshot, or the current one when nothing was buffered
   */
  public Snapshot commit(Map<String, String> snapshotProperties) {
    if (buffered.isEmpty()) {
      return table.currentSnapshot();
    }
    GenericAppenderFactory appenders = new GenericAppenderFactory(schema, table.spec());
    OutputFileFactory files =
        OutputFileFactory.builderFor(table, 1, System.nanoTime())
            .format(FileFormat.PARQUET)
            .build();
    AppendFiles append = table.newAppend();
    try {
      for (Map.Entry<PartitionKey, List<Record>> e : buffered.entrySet()) {
        StructLike partition = e.getKey();
        DataWriter<Record> writer =
            appenders.newDataWriter(
                files.newOutputFile(table.spec(), partition), FileFormat.PARQUET, partition);
        try (writer) {
          for (Record r : e.getValue()) {
            writer.write(r);
          }
        }
        DataFile file = writer.toDataFile();
        append.appendFile(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing offline table " + table.name(), e);
    }
    snapshotProperties.forEach(append::set);
    append.commit();
    buffered.clear();
    table.refresh();
    return table.currentSnapshot();
  }

  /** Epoch millis as the timestamptz value Iceberg's generic records hold. */
  public static OffsetDateTime timestamptz(long epochMillis) {
    // not Instant.atOffset: that builds a new ZoneRules per call (a visible cost per output row)
    return OffsetDateTime.of(
        LocalDateTime.ofEpochSecond(
            Math.floorDiv(epochMillis, 1000L),
            (int) Math.floorMod(epochMillis, 1000L) * 1_000_000,
            ZoneOffset.UTC),
        ZoneOffset.UTC);
  }
}
