package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.table.data.RowData;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CombinedScanTask;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.encryption.InputFilesDecryptor;
import org.apache.iceberg.flink.data.FlinkParquetReaders;
import org.apache.iceberg.flink.source.RowDataFileScanTaskReader;
import org.apache.iceberg.flink.source.split.IcebergSourceSplit;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.shaded.org.apache.parquet.example.data.Group;
import org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetWriter;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalOutputFile;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columnar label read ({@link LabelPages}) yields exactly the packed label rows — bytes, key
 * hash and sweep partition — of the row path it replaced (Iceberg's Flink row reader, {@link
 * FlinkFunctions.LabelMapper} and {@link SweepRowSerializer}: {@link FlinkFunctions.LabelPacker}),
 * in the same order, on files with every scalar type, nulls (null keys and times included),
 * non-ASCII keys, sub-millisecond and pre-1970 timestamps, small pages, several row groups,
 * dictionaries that fall back to plain pages, byte-range splits, string, numeric and two-column
 * keys, and on a Parquet file written without field ids (as pandas or DuckDB write labels), which
 * it reads through the label table's name mapping.
 */
class LabelPagesITCase {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
          Types.NestedField.optional(3, "label", Types.IntegerType.get()),
          Types.NestedField.optional(4, "account", Types.LongType.get()),
          Types.NestedField.optional(5, "shard", Types.IntegerType.get()),
          Types.NestedField.optional(6, "weight", Types.DoubleType.get()),
          Types.NestedField.optional(7, "f_float", Types.FloatType.get()),
          Types.NestedField.optional(8, "f_bool", Types.BooleanType.get()),
          Types.NestedField.optional(9, "f_str", Types.StringType.get()),
          Types.NestedField.optional(10, "f_date", Types.DateType.get()),
          Types.NestedField.optional(11, "ts_millis", Types.LongType.get()));

  static final int CHANNELS = EventBatchReaderITCase.CHANNELS;
  static final int SLOTS = 5;

  @TempDir Path dir;

  @Test
  void labelPagesEqualTheRowPath() throws Exception {
    Random rnd = new Random(5);
    Path pages = dir.resolve("pages.parquet");
    write(
        pages,
        rows(rnd, 30_000),
        Map.of(
            TableProperties.PARQUET_PAGE_SIZE_BYTES, "2048",
            TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, "65536",
            TableProperties.PARQUET_DICT_SIZE_BYTES, "1024"));
    Path dict = dir.resolve("dict.parquet");
    write(dict, rows(rnd, 5_000), Map.of());

    // (time column, join keys): a string key, a long key with epoch-millis time, an int key, two
    for (int[] layout : new int[][] {{1, 0}, {10, 3}, {1, 4}, {1, 0, 3}, {10, 4, 0}}) {
      int[] keys = java.util.Arrays.copyOfRange(layout, 1, layout.length);
      LabelLayout l = LabelLayout.of(SCHEMA, layout[0], keys, SLOTS);
      assertThat(l).isNotNull();
      FlinkFunctions.LabelPacker packer =
          new FlinkFunctions.LabelPacker(SCHEMA, layout[0], keys, SLOTS);
      for (Path file : List.of(pages, dict)) {
        long length = Files.size(file);
        List<String> whole = pageDecoder(file, 0, length, l, null);
        // every label row comes out, null keys and times included
        assertThat(whole).hasSize(file == pages ? 30_000 : 5_000);
        assertThat(EventBatchReaderITCase.sorted(whole))
            .containsExactlyElementsOf(
                EventBatchReaderITCase.sorted(rowPacker(file, packer, null)));
        List<String> split = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          long start = length * i / 3;
          split.addAll(pageDecoder(file, start, length * (i + 1) / 3 - start, l, null));
        }
        assertThat(EventBatchReaderITCase.sorted(split))
            .containsExactlyElementsOf(EventBatchReaderITCase.sorted(whole));
      }
    }
    // a column the page path does not decode: no layout, every file read row by row
    Schema withList =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(
                3, "tags", Types.ListType.ofOptional(4, Types.StringType.get())));
    assertThat(LabelLayout.of(withList, 1, new int[] {0}, SLOTS)).isNull();
    // a string time column (not a time)
    assertThat(LabelLayout.of(SCHEMA, 8, new int[] {0}, SLOTS)).isNull();
  }

  /**
   * A label file without field ids, registered as the export registers label files: the reader
   * function decodes its pages through the table's name mapping (the same rows as Iceberg's row
   * reader with that mapping), and without a mapping the page path refuses it.
   */
  @Test
  void filesWithoutFieldIdsAreDecodedThroughTheNameMapping() throws Exception {
    Path file = dir.resolve("labels").resolve("plain.parquet");
    Files.createDirectories(file.getParent());
    MessageType type =
        MessageTypeParser.parseMessageType(
            "message labels { optional binary user_id (STRING); "
                + "optional int64 ts (TIMESTAMP(MICROS,true)); optional int32 label; "
                + "optional double weight; }");
    Random rnd = new Random(3);
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(type)
            .withConf(new Configuration())
            .withDictionaryPageSize(512)
            .withPageSize(1024)
            .build()) {
      for (int i = 0; i < 8_000; i++) {
        Group g = groups.newGroup();
        if (rnd.nextInt(30) != 0) {
          g.add("user_id", (rnd.nextBoolean() ? "u" : "ü") + rnd.nextInt(500));
        }
        if (rnd.nextInt(30) != 0) {
          g.add("ts", (long) ((rnd.nextDouble() - 0.3) * 2e15));
        }
        g.add("label", rnd.nextInt(2));
        if (rnd.nextBoolean()) {
          g.add("weight", rnd.nextDouble());
        }
        w.write(g);
      }
    }
    Table table =
        LabelTables.registerParquet(
            "labels", List.of(file), dir.resolve("scratch").toUri().toString());
    Schema schema = table.schema();
    int timePos = 1;
    int[] keys = {0};
    LabelLayout layout = LabelLayout.of(schema, timePos, keys, SLOTS);
    FlinkFunctions.LabelPacker packer =
        new FlinkFunctions.LabelPacker(schema, timePos, keys, SLOTS);
    NameMapping mapping =
        NameMappingParser.fromJson(table.properties().get(TableProperties.DEFAULT_NAME_MAPPING));

    List<String> viaReader = readerFunction(table, layout, packer);
    List<String> reference = rowPath(table, packer);
    assertThat(reference).hasSize(8_000);
    assertThat(EventBatchReaderITCase.sorted(viaReader))
        .containsExactlyElementsOf(EventBatchReaderITCase.sorted(reference));
    assertThat(pageDecoder(file, 0, Files.size(file), layout, mapping, schema))
        .containsExactlyElementsOf(viaReader);
    assertThatThrownBy(() -> pageDecoder(file, 0, Files.size(file), layout, null, schema))
        .isInstanceOf(EventColumns.Unsupported.class)
        .hasMessageContaining("user_id");
  }

  private static List<String> pageDecoder(
      Path file, long start, long len, LabelLayout layout, NameMapping mapping) throws Exception {
    return pageDecoder(file, start, len, layout, mapping, SCHEMA);
  }

  private static List<String> pageDecoder(
      Path file, long start, long len, LabelLayout layout, NameMapping mapping, Schema schema)
      throws Exception {
    List<PackedBatch> batches = new ArrayList<>();
    PartitionBatches out = new PartitionBatches(CHANNELS, batches::add);
    try (LabelPages p =
        new LabelPages(
            org.apache.iceberg.Files.localInput(file.toFile()), start, len, layout, mapping, out)) {
      while (p.hasNext()) {
        p.next();
      }
    }
    out.flush();
    return EventBatchReaderITCase.render(batches);
  }

  /** The reference: every row as Iceberg's Flink reader gives it, through the row packer. */
  private static List<String> rowPacker(
      Path file, FlinkFunctions.LabelPacker packer, NameMapping mapping) throws Exception {
    List<String> out = new ArrayList<>();
    Parquet.ReadBuilder b =
        Parquet.read(org.apache.iceberg.Files.localInput(file.toFile()))
            .project(SCHEMA)
            .createReaderFunc(t -> FlinkParquetReaders.buildReader(SCHEMA, t));
    if (mapping != null) {
      b.withNameMapping(mapping);
    }
    try (CloseableIterable<RowData> rows = b.build()) {
      for (RowData r : rows) {
        PackedRow p = packer.apply(r);
        out.add(EventBatchReaderITCase.render(p.hash, p.bytes));
      }
    }
    return out;
  }

  /** Every label row of the table through {@link EventBatchReader#labels}. */
  private static List<String> readerFunction(
      Table table, LabelLayout layout, FlinkFunctions.LabelPacker packer) throws Exception {
    EventBatchReader reader =
        EventBatchReader.labels(table, table.schema(), layout, packer, CHANNELS);
    List<String> out = new ArrayList<>();
    for (CombinedScanTask task : plan(table)) {
      try (var fetches = reader.apply(IcebergSourceSplit.fromCombinedScanTask(task))) {
        while (fetches.hasNext()) {
          var fetch = fetches.next();
          assertThat(fetch.nextSplit()).isNotNull();
          for (var r = fetch.nextRecordFromSplit(); r != null; r = fetch.nextRecordFromSplit()) {
            out.addAll(EventBatchReaderITCase.render(List.of(r.record())));
          }
        }
      }
    }
    return out;
  }

  /** The table's rows through Iceberg's RowData reader (with its name mapping) and the packer. */
  private static List<String> rowPath(Table table, FlinkFunctions.LabelPacker packer)
      throws Exception {
    List<String> out = new ArrayList<>();
    String mapping = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    for (CombinedScanTask task : plan(table)) {
      InputFilesDecryptor dec = new InputFilesDecryptor(task, table.io(), table.encryption());
      for (FileScanTask f : task.files()) {
        try (CloseableIterator<RowData> rows =
            new RowDataFileScanTaskReader(table.schema(), table.schema(), mapping, true, List.of())
                .open(f, dec)) {
          while (rows.hasNext()) {
            PackedRow p = packer.apply(rows.next());
            out.add(EventBatchReaderITCase.render(p.hash, p.bytes));
          }
        }
      }
    }
    return out;
  }

  private static List<CombinedScanTask> plan(Table table) throws Exception {
    List<CombinedScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<CombinedScanTask> it = table.newScan().planTasks()) {
      it.forEach(tasks::add);
    }
    assertThat(tasks).isNotEmpty();
    return tasks;
  }

  private static void write(Path file, List<Record> rows, Map<String, String> props)
      throws Exception {
    try (FileAppender<Record> a =
        Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(SCHEMA)
            .createWriterFunc(GenericParquetWriter::create)
            .setAll(props)
            .overwrite()
            .build()) {
      a.addAll(rows);
    }
  }

  private static List<Record> rows(Random rnd, int n) {
    List<Record> out = new ArrayList<>();
    String[] keys = {"u", "ü", "用户"};
    for (int i = 0; i < n; i++) {
      GenericRecord r = GenericRecord.create(SCHEMA);
      set(r, rnd, "user_id", keys[rnd.nextInt(3)] + rnd.nextInt(100));
      set(r, rnd, "ts", EventBatchReaderITCase.ts(rnd));
      set(r, rnd, "label", rnd.nextInt(2));
      set(r, rnd, "account", (long) rnd.nextInt(1000) - 500);
      set(r, rnd, "shard", rnd.nextInt(50) - 10);
      set(r, rnd, "weight", rnd.nextDouble());
      set(r, rnd, "f_float", rnd.nextFloat());
      set(r, rnd, "f_bool", rnd.nextBoolean());
      set(r, rnd, "f_str", rnd.nextBoolean() ? "x" + i : "é€" + i);
      set(r, rnd, "f_date", LocalDate.ofEpochDay(rnd.nextInt(40_000) - 20_000));
      // epoch millis of 1919 to 1966 and 1973 to 2020 (closer to 1970 looks like epoch seconds)
      set(
          r,
          rnd,
          "ts_millis",
          (rnd.nextInt(3) == 0 ? -1 : 1) * (long) (1e11 + rnd.nextDouble() * 1.5e12));
      out.add(r);
    }
    return out;
  }

  private static void set(GenericRecord r, Random rnd, String field, Object v) {
    r.setField(field, rnd.nextInt(25) == 0 ? null : v);
  }
}
