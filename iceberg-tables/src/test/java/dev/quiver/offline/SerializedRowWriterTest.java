package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part writer that encodes the buffered bytes itself makes the same Parquet file, byte for
 * byte, as Iceberg's generic writer on the decoded rows (the path it replaced), for every column
 * type it takes, with nulls, non-ASCII strings, values whose kind differs from their column's (an
 * Integer in a long column, a Long in a string column), and enough rows for several pages and
 * dictionary fallback.
 */
class SerializedRowWriterTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
          Types.NestedField.optional(3, "label", Types.IntegerType.get()),
          Types.NestedField.optional(4, "day", Types.DateType.get()),
          Types.NestedField.optional(5, "v__f_double", Types.DoubleType.get()),
          Types.NestedField.optional(6, "v__f_long", Types.LongType.get()),
          Types.NestedField.optional(7, "v__f_float", Types.FloatType.get()),
          Types.NestedField.optional(8, "v__f_bool", Types.BooleanType.get()),
          Types.NestedField.optional(9, "v__f_text", Types.StringType.get()),
          Types.NestedField.optional(10, "v__f_when", Types.TimestampType.withZone()));
  static final int LABELS = 4;

  @Test
  void writesTheGenericWritersFileByteForByte(@TempDir Path dir) throws Exception {
    assertSameFileAsTheGenericWriter(SCHEMA, dir);
  }

  /**
   * QA pass, session 20: a label column whose name is not an Avro name ({@code is fraud}, {@code
   * label-1}, {@code 1st}: a CSV header or a pandas column) failed every export through this writer
   * with "InvalidRecordException: is fraud not found in message table": Iceberg's Parquet schema
   * holds such a name sanitized ({@code is_x20fraud}), and the writer looked its columns up by the
   * Iceberg name. They are found by field id; the file is still the generic writer's.
   */
  @Test
  void labelColumnsWhoseNamesAreNotAvroNames(@TempDir Path dir) throws Exception {
    Schema odd =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "label time", Types.TimestampType.withZone()),
            Types.NestedField.optional(3, "is fraud", Types.IntegerType.get()),
            Types.NestedField.optional(4, "1st-day", Types.DateType.get()),
            Types.NestedField.optional(5, "v__f_double", Types.DoubleType.get()),
            Types.NestedField.optional(6, "v__f_long", Types.LongType.get()),
            Types.NestedField.optional(7, "v__f_float", Types.FloatType.get()),
            Types.NestedField.optional(8, "v__f_bool", Types.BooleanType.get()),
            Types.NestedField.optional(9, "v__f_text", Types.StringType.get()),
            Types.NestedField.optional(10, "v__f_when", Types.TimestampType.withZone()));
    assertSameFileAsTheGenericWriter(odd, dir);
  }

  private static void assertSameFileAsTheGenericWriter(Schema schema, Path dir) throws Exception {
    SplittableRandom rnd = new SplittableRandom(17);
    List<SweepRow> rows = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      SweepRow r =
          SweepRow.label(
              "u" + rnd.nextInt(50_000),
              1_714_521_600_000L + rnd.nextLong(86_400_000L),
              new Object[] {
                nullOr(rnd, "u" + rnd.nextInt(50_000) + (rnd.nextInt(9) == 0 ? "é✓" : "")),
                nullOr(rnd, 1_714_521_600_000L + rnd.nextLong(86_400_000L)),
                nullOr(rnd, rnd.nextInt(2)),
                nullOr(rnd, LocalDate.ofEpochDay(19_000 + rnd.nextInt(400)))
              },
              6);
      r.features[0] = nullOr(rnd, rnd.nextDouble() * 100);
      // an Integer in the long column now and then: converted as the generic path did
      r.features[1] = nullOr(rnd, rnd.nextInt(4) == 0 ? (Object) rnd.nextInt() : rnd.nextLong());
      r.features[2] = nullOr(rnd, (float) rnd.nextDouble());
      r.features[3] = nullOr(rnd, rnd.nextBoolean());
      r.features[4] = nullOr(rnd, rnd.nextInt(3) == 0 ? (Object) rnd.nextLong() : "t" + i);
      r.features[5] = nullOr(rnd, 1_700_000_000_000L + rnd.nextLong(1L << 30));
      rows.add(r);
    }
    assertThat(SerializedRowWriter.supports(schema)).isTrue();

    Path generic = dir.resolve("generic.parquet");
    try (FileAppender<Record> a =
        TrainingSetFiles.newAppender(schema, generic.toString(), FlinkFunctions.OUTPUT_CODEC)) {
      for (SweepRow r : rows) {
        GenericRecord rec = GenericRecord.create(schema);
        for (int c = 0; c < schema.columns().size(); c++) {
          Object v = c < LABELS ? r.values[c] : r.features[c - LABELS];
          rec.set(c, IcebergValues.toIceberg(schema.columns().get(c).type(), v));
        }
        a.add(rec);
      }
    }

    Path direct = dir.resolve("direct.parquet");
    DataOutputSerializer buf = new DataOutputSerializer(1 << 20);
    int[] starts = new int[rows.size() + 1];
    for (int i = 0; i < rows.size(); i++) {
      starts[i] = buf.length();
      SweepRowSerializer.INSTANCE.serialize(rows.get(i), buf);
    }
    starts[rows.size()] = buf.length();
    byte[] bytes = buf.getCopyOfBuffer();
    SerializedRowWriter.Row cursor = new SerializedRowWriter.Row();
    try (FileAppender<SerializedRowWriter.Row> a =
        TrainingSetFiles.newAppender(
            schema,
            direct.toString(),
            FlinkFunctions.OUTPUT_CODEC,
            (s, ms) -> new SerializedRowWriter(s, ms, LABELS))) {
      for (int i = 0; i < rows.size(); i++) {
        a.add(cursor.set(bytes, starts[i], starts[i + 1] - starts[i]));
      }
    }

    assertThat(Files.size(direct)).isGreaterThan(500_000);
    assertThat(Files.readAllBytes(direct)).isEqualTo(Files.readAllBytes(generic));
    // and it reads back as the rows (timestamps as micros: millis x 1000)
    List<Record> back = TrainingSetFiles.read(direct);
    assertThat(back).hasSize(rows.size());
    for (int i = 0; i < rows.size(); i += 997) {
      SweepRow r = rows.get(i);
      assertThat(back.get(i).get(0)).isEqualTo(r.values[0]);
      assertThat(back.get(i).get(4)).isEqualTo(r.features[0]);
      Object t = back.get(i).get(1);
      assertThat(t == null ? null : IcebergValues.fromIceberg(t)).isEqualTo(r.values[1]);
    }
  }

  @Test
  void nestedOrZonelessColumnsAreLeftToTheGenericWriter() {
    assertThat(
            SerializedRowWriter.supports(
                new Schema(
                    Types.NestedField.optional(
                        1, "xs", Types.ListType.ofOptional(2, Types.LongType.get())))))
        .isFalse();
    assertThat(
            SerializedRowWriter.supports(
                new Schema(Types.NestedField.optional(1, "t", Types.TimestampType.withoutZone()))))
        .isFalse();
  }

  private static Object nullOr(SplittableRandom rnd, Object v) {
    return rnd.nextInt(10) == 0 ? null : v;
  }
}
