package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.CombinedScanTask;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.encryption.InputFilesDecryptor;
import org.apache.iceberg.flink.data.FlinkParquetReaders;
import org.apache.iceberg.flink.source.RowDataFileScanTaskReader;
import org.apache.iceberg.flink.source.split.IcebergSourceSplit;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.shaded.org.apache.parquet.column.ParquetProperties;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columnar event path ({@link EventBatchReader} with {@link EventColumns}) yields exactly the
 * events — bytes, key hash and sweep partition — that Iceberg's own row reader gives through the
 * row packer, on a real table with every scalar type, nulls, null and non-ASCII keys, sub-
 * millisecond and pre-1970 timestamps, a file written before a column was added (read row by row)
 * and a file with a position delete file (read row by row, deleted rows absent).
 */
class EventBatchReaderITCase {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.required(2, "event_time", Types.TimestampType.withZone()),
          Types.NestedField.optional(3, "f_double", Types.DoubleType.get()),
          Types.NestedField.optional(4, "f_long", Types.LongType.get()),
          Types.NestedField.optional(5, "f_int", Types.IntegerType.get()),
          Types.NestedField.optional(6, "f_float", Types.FloatType.get()),
          Types.NestedField.optional(7, "f_bool", Types.BooleanType.get()),
          Types.NestedField.optional(8, "f_str", Types.StringType.get()),
          Types.NestedField.optional(9, "f_date", Types.DateType.get()),
          Types.NestedField.optional(10, "f_ts", Types.TimestampType.withZone()),
          Types.NestedField.required(11, "_seq", Types.LongType.get()),
          Types.NestedField.required(12, "_ingested_at", Types.TimestampType.withZone()),
          Types.NestedField.optional(13, "account", Types.LongType.get()));

  static final int CHANNELS = 3;

  @TempDir Path dir;

  @Test
  void columnarEventsEqualTheRowPath() throws Exception {
    Catalog catalog = OfflineCatalogs.hadoop(dir);
    Table table =
        catalog
            .buildTable(TableIdentifier.of("default", "events"), SCHEMA)
            .withPartitionSpec(PartitionSpec.unpartitioned())
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .create();
    Random rnd = new Random(7);
    DataFile plain = append(table, SCHEMA, "a.parquet", rows(rnd, SCHEMA, 0, 6_000));
    append(table, SCHEMA, "b.parquet", rows(rnd, SCHEMA, 6_000, 3_000));
    // a file from before f_str was added: its events have f_str null
    Schema old =
        SCHEMA.select("user_id", "event_time", "f_double", "f_long", "_seq", "_ingested_at");
    append(table, old, "old.parquet", rows(rnd, old, 9_000, 2_000));
    deleteEveryTenthRow(table, plain);
    table.refresh();

    for (int keyPos : new int[] {0, 12}) {
      TrainingSetPlan.ViewRead read =
          EventBytesTest.viewRead(SCHEMA, table.currentSnapshot().snapshotId(), keyPos);
      List<String> columnar = columnar(table, read);
      List<String> rowPath = rowPath(table, read);
      assertThat(columnar).hasSameElementsAs(rowPath).hasSameSizeAs(rowPath);
      // independent count: live rows (deletes applied) with a non-null key
      long live = 0;
      try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
        for (Record r : all) {
          live += r.get(keyPos) == null ? 0 : 1;
        }
      }
      assertThat(columnar).hasSize((int) live);
      assertThat(live).isLessThan(11_000 - 600).isGreaterThan(5_000); // 600 rows deleted
    }
  }

  /**
   * The page decoder ({@link EventPages}) against Iceberg's column iterators ({@link
   * EventColumns}), row for row and in order, on files with many small pages, several row groups,
   * dictionaries that fall back to plain pages mid-chunk, zstd pages, and byte-range splits that
   * cut through a file; a Parquet v2 file (delta and RLE value encodings) is refused by the page
   * decoder, so it takes the iterators.
   */
  @Test
  void pageDecoderEqualsTheColumnIterators() throws Exception {
    Random rnd = new Random(11);
    Path pages = dir.resolve("pages.parquet");
    write(
        pages,
        rows(rnd, SCHEMA, 0, 40_000),
        Map.of(
            TableProperties.PARQUET_PAGE_SIZE_BYTES, "2048",
            TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, "65536",
            TableProperties.PARQUET_DICT_SIZE_BYTES, "1024"),
        false);
    Path dict = dir.resolve("dict.parquet");
    write(dict, rows(rnd, SCHEMA, 40_000, 5_000), Map.of(), false);
    Path v2 = dir.resolve("v2.parquet");
    write(v2, rows(rnd, SCHEMA, 45_000, 5_000), Map.of(), true);
    // zstd, the codec of Quiver's own tables: its pages are decompressed by PageCodecs
    Path zstd = dir.resolve("zstd.parquet");
    write(
        zstd,
        rows(rnd, SCHEMA, 50_000, 20_000),
        Map.of(
            TableProperties.PARQUET_COMPRESSION, "zstd",
            TableProperties.PARQUET_PAGE_SIZE_BYTES, "4096",
            TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, "131072"),
        false);
    try (var r =
        org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader.open(
            new org.apache.iceberg.shaded.org.apache.parquet.io.LocalInputFile(zstd))) {
      assertThat(r.getRowGroups()).hasSizeGreaterThan(1);
      assertThat(r.getRowGroups().get(0).getColumns().get(0).getCodec())
          .isEqualTo(
              org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.CompressionCodecName
                  .ZSTD);
    }

    for (int keyPos : new int[] {0, 12}) {
      TrainingSetPlan.ViewRead read = EventBytesTest.viewRead(SCHEMA, 0L, keyPos);
      EventLayout layout = EventLayout.of(read);
      for (Path file : List.of(pages, dict, zstd)) {
        long length = Files.size(file);
        List<String> whole = iterators(file, 0, length, layout);
        assertThat(whole).hasSizeGreaterThan(4_000);
        assertThat(pageDecoder(file, 0, length, layout)).containsExactlyElementsOf(whole);
        // three byte-range splits: each row group read by exactly one of them, as Iceberg does
        List<String> split = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          long start = length * i / 3;
          long len = length * (i + 1) / 3 - start;
          List<String> part = pageDecoder(file, start, len, layout);
          assertThat(part).containsExactlyElementsOf(iterators(file, start, len, layout));
          split.addAll(part);
        }
        // (each split flushes its partial batches, so only the order across batches differs)
        assertThat(sorted(split)).containsExactlyElementsOf(sorted(whole));
        // and both equal an independent encoder: Iceberg's Flink row reader and the row packer
        assertThat(sorted(whole)).containsExactlyElementsOf(sorted(rowPacker(file, read)));
      }
      assertThatThrownBy(() -> pageDecoder(v2, 0, Files.size(v2), layout))
          .isInstanceOf(EventColumns.Unsupported.class)
          .hasMessageContaining("encodings");
      assertThat(iterators(v2, 0, Files.size(v2), layout)).hasSizeGreaterThan(4_000);
    }
  }

  private static List<String> pageDecoder(Path file, long start, long len, EventLayout layout)
      throws Exception {
    List<PackedBatch> batches = new ArrayList<>();
    PartitionBatches out = new PartitionBatches(CHANNELS, batches::add);
    try (EventPages p =
        new EventPages(
            org.apache.iceberg.Files.localInput(file.toFile()), start, len, layout, out)) {
      while (p.hasNext()) {
        p.next();
      }
    }
    out.flush();
    return render(batches);
  }

  private static List<String> iterators(Path file, long start, long len, EventLayout layout)
      throws Exception {
    List<PackedBatch> batches = new ArrayList<>();
    PartitionBatches out = new PartitionBatches(CHANNELS, batches::add);
    EventColumns columns = new EventColumns(layout, out);
    try (CloseableIterable<Object> rows =
        Parquet.read(org.apache.iceberg.Files.localInput(file.toFile()))
            .project(layout.projection())
            .split(start, len)
            .createReaderFunc(columns::readerFor)
            .build()) {
      rows.forEach(r -> {});
    }
    out.flush();
    return render(batches);
  }

  /** The reference encoding: every row of the file as Iceberg's Flink reader gives it, packed. */
  private static List<String> rowPacker(Path file, TrainingSetPlan.ViewRead read) throws Exception {
    FlinkFunctions.EventPacker packer = new FlinkFunctions.EventPacker(read);
    List<String> out = new ArrayList<>();
    try (CloseableIterable<RowData> rows =
        Parquet.read(org.apache.iceberg.Files.localInput(file.toFile()))
            .project(read.projection())
            .createReaderFunc(t -> FlinkParquetReaders.buildReader(read.projection(), t))
            .build()) {
      for (RowData r : rows) {
        PackedRow p = packer.apply(r);
        if (p.bytes != null) {
          out.add(render(p.hash, p.bytes));
        }
      }
    }
    return out;
  }

  static List<String> sorted(List<String> rows) {
    List<String> s = new ArrayList<>(rows);
    java.util.Collections.sort(s);
    return s;
  }

  /** Every row of the batches as {@code channel/hash/bytes}, checking each row's channel. */
  static List<String> render(List<PackedBatch> batches) {
    List<String> out = new ArrayList<>();
    for (PackedBatch b : batches) {
      b.forEachRow(
          (bytes, off, len, hash) -> {
            assertThat(b.channel).isEqualTo(PartitionBatches.channel(hash, CHANNELS));
            out.add(render(hash, java.util.Arrays.copyOfRange(bytes, off, off + len)));
          });
    }
    return out;
  }

  private static void write(Path file, List<Record> rows, Map<String, String> props, boolean v2)
      throws Exception {
    Parquet.WriteBuilder b =
        Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(SCHEMA)
            .createWriterFunc(GenericParquetWriter::create)
            .setAll(props)
            .overwrite();
    if (v2) {
      b.writerVersion(ParquetProperties.WriterVersion.PARQUET_2_0);
    }
    try (FileAppender<Record> a = b.build()) {
      a.addAll(rows);
    }
  }

  /** Every event of the table through the reader function, as {@code channel/hash/bytes}. */
  private static List<String> columnar(Table table, TrainingSetPlan.ViewRead read)
      throws Exception {
    EventBatchReader reader = new EventBatchReader(table, read, CHANNELS);
    List<String> out = new ArrayList<>();
    for (CombinedScanTask task : plan(table, read)) {
      try (var fetches = reader.apply(IcebergSourceSplit.fromCombinedScanTask(task))) {
        while (fetches.hasNext()) {
          var fetch = fetches.next();
          assertThat(fetch.nextSplit()).isNotNull();
          for (var r = fetch.nextRecordFromSplit(); r != null; r = fetch.nextRecordFromSplit()) {
            PackedBatch b = r.record();
            b.forEachRow(
                (bytes, off, len, hash) -> {
                  assertThat(b.channel).isEqualTo(PartitionBatches.channel(hash, CHANNELS));
                  out.add(render(hash, java.util.Arrays.copyOfRange(bytes, off, off + len)));
                });
          }
        }
      }
    }
    return out;
  }

  /** The reference: Iceberg's RowData reader (deletes applied) and the row packer. */
  private static List<String> rowPath(Table table, TrainingSetPlan.ViewRead read) throws Exception {
    FlinkFunctions.EventPacker packer = new FlinkFunctions.EventPacker(read);
    List<String> out = new ArrayList<>();
    for (CombinedScanTask task : plan(table, read)) {
      InputFilesDecryptor dec = new InputFilesDecryptor(task, table.io(), table.encryption());
      for (FileScanTask f : task.files()) {
        try (CloseableIterator<RowData> rows =
            new RowDataFileScanTaskReader(table.schema(), read.projection(), null, true, List.of())
                .open(f, dec)) {
          while (rows.hasNext()) {
            PackedRow p = packer.apply(rows.next());
            if (p.bytes != null) {
              out.add(render(p.hash, p.bytes));
            }
          }
        }
      }
    }
    return out;
  }

  private static List<CombinedScanTask> plan(Table table, TrainingSetPlan.ViewRead read)
      throws Exception {
    List<CombinedScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<CombinedScanTask> it =
        table.newScan().project(read.projection()).planTasks()) {
      it.forEach(tasks::add);
    }
    assertThat(tasks).isNotEmpty();
    return tasks;
  }

  static String render(long hash, byte[] bytes) {
    return PartitionBatches.channel(hash, CHANNELS)
        + "/"
        + hash
        + "/"
        + HexFormat.of().formatHex(bytes);
  }

  private static List<Record> rows(Random rnd, Schema schema, int seq0, int n) {
    List<Record> out = new ArrayList<>();
    String[] keys = {"u", "ü", "用户"};
    for (int i = 0; i < n; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("user_id", rnd.nextInt(40) == 0 ? null : keys[rnd.nextInt(3)] + rnd.nextInt(100));
      r.setField("event_time", ts(rnd));
      r.setField("_seq", (long) (seq0 + i));
      r.setField("_ingested_at", ts(rnd));
      set(r, rnd, "f_double", rnd.nextDouble());
      set(r, rnd, "f_long", rnd.nextLong());
      set(r, rnd, "f_int", rnd.nextInt());
      set(r, rnd, "f_float", rnd.nextFloat());
      set(r, rnd, "f_bool", rnd.nextBoolean());
      set(r, rnd, "f_str", rnd.nextBoolean() ? "x" + i : "é€" + i);
      set(r, rnd, "f_date", LocalDate.ofEpochDay(rnd.nextInt(40_000) - 20_000));
      set(r, rnd, "f_ts", ts(rnd));
      set(r, rnd, "account", (long) rnd.nextInt(1000) - 500);
      out.add(r);
    }
    return out;
  }

  private static void set(GenericRecord r, Random rnd, String field, Object v) {
    if (r.struct().field(field) != null) {
      r.setField(field, rnd.nextInt(10) == 0 ? null : v);
    }
  }

  /** Micros precision, some before 1970 (floor to millis, as Flink's TimestampData). */
  static OffsetDateTime ts(Random rnd) {
    long micros = (rnd.nextBoolean() ? 1 : -1) * (long) (rnd.nextDouble() * 2e15);
    return Instant.EPOCH.plusNanos(micros * 1000).atOffset(ZoneOffset.UTC);
  }

  private DataFile append(Table table, Schema schema, String name, List<Record> rows)
      throws Exception {
    Path file = dir.resolve(name);
    TrainingSetFiles.write(schema, file, rows);
    return TrainingSetFiles.appendTo(table, file);
  }

  private void deleteEveryTenthRow(Table table, DataFile file) throws Exception {
    Path deletes = dir.resolve("a-deletes.parquet");
    PositionDeleteWriter<Record> w =
        new GenericAppenderFactory(table.schema(), table.spec())
            .newPosDeleteWriter(
                EncryptedFiles.plainAsEncryptedOutput(
                    org.apache.iceberg.Files.localOutput(deletes.toFile())),
                FileFormat.PARQUET,
                null);
    try (w) {
      for (long pos = 0; pos < file.recordCount(); pos += 10) {
        w.write(PositionDelete.<Record>create().set(file.location(), pos, null));
      }
    }
    table.newRowDelta().addDeletes(w.toDeleteFile()).commit();
  }
}
