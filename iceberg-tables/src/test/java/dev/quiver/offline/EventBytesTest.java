package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * The direct event writer produces exactly the bytes and hash of the general path (row → {@link
 * SweepRow} → {@link FlinkFunctions.Pack}) for every scalar type, nulls, non-ASCII keys and values,
 * and string or numeric keys.
 */
class EventBytesTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.optional(2, "event_time", Types.TimestampType.withZone()),
          Types.NestedField.optional(3, "f_double", Types.DoubleType.get()),
          Types.NestedField.optional(4, "f_long", Types.LongType.get()),
          Types.NestedField.optional(5, "f_int", Types.IntegerType.get()),
          Types.NestedField.optional(6, "f_float", Types.FloatType.get()),
          Types.NestedField.optional(7, "f_bool", Types.BooleanType.get()),
          Types.NestedField.optional(8, "f_str", Types.StringType.get()),
          Types.NestedField.optional(9, "f_date", Types.DateType.get()),
          Types.NestedField.optional(10, "f_ts", Types.TimestampType.withoutZone()),
          Types.NestedField.optional(11, "_seq", Types.LongType.get()),
          Types.NestedField.optional(12, "_ingested_at", Types.TimestampType.withZone()),
          Types.NestedField.optional(13, "account", Types.LongType.get()));

  /**
   * The read of a test view laid out like {@link #SCHEMA} (also {@code EventBatchReaderITCase}'s):
   * key at {@code keyPos}, event time at 1, seq at 10, ingest time at 11, values at 2..9.
   */
  static TrainingSetPlan.ViewRead viewRead(Schema schema, long snapshotId, int keyPos) {
    return new TrainingSetPlan.ViewRead(
        null,
        2,
        "t",
        snapshotId,
        schema,
        new int[] {keyPos},
        1,
        10,
        11,
        new int[] {2, 3, 4, 5, 6, 7, 8, 9},
        null);
  }

  @Test
  void sameBytesAndHashAsTheGeneralPath() throws Exception {
    for (int keyPos : new int[] {0, 12}) {
      TrainingSetPlan.ViewRead read = viewRead(SCHEMA, 1L, keyPos);
      assertThat(EventBytes.supports(read)).isTrue();
      EventBytes direct = new EventBytes(read);
      FlinkFunctions.EventMapper mapper = new FlinkFunctions.EventMapper(read);
      FlinkFunctions.Pack pack = new FlinkFunctions.Pack();
      Random rnd = new Random(keyPos);
      int nullKeys = 0;
      for (int i = 0; i < 5_000; i++) {
        GenericRowData row = row(rnd, i);
        PackedRow got = direct.pack(row);
        SweepRow event = mapper.toEvent(row);
        if (event == null) {
          assertThat(got.bytes).isNull();
          nullKeys++;
          continue;
        }
        PackedRow want = pack.map(event);
        assertThat(got.hash).as("row %s", row).isEqualTo(want.hash);
        assertThat(got.bytes).as("row %s", row).isEqualTo(want.bytes);
      }
      assertThat(nullKeys).isPositive();
    }
  }

  @Test
  void listValuesTakeTheGeneralPath() {
    Schema s =
        new Schema(
            Types.NestedField.optional(1, "k", Types.StringType.get()),
            Types.NestedField.optional(2, "l", Types.ListType.ofOptional(3, Types.LongType.get())));
    var read =
        new TrainingSetPlan.ViewRead(
            null, 0, "t", 1L, s, new int[] {0}, 0, 0, 0, new int[] {1}, null);
    assertThat(EventBytes.supports(read)).isFalse();
  }

  private static GenericRowData row(Random rnd, int i) {
    String[] keys = {"u" + rnd.nextInt(100), "ü" + rnd.nextInt(10), "用户" + rnd.nextInt(5)};
    GenericRowData r = new GenericRowData(13);
    r.setField(0, rnd.nextInt(40) == 0 ? null : StringData.fromString(keys[rnd.nextInt(3)]));
    r.setField(1, ts(rnd));
    r.setField(2, maybe(rnd, rnd.nextDouble()));
    r.setField(3, maybe(rnd, rnd.nextLong()));
    r.setField(4, maybe(rnd, rnd.nextInt()));
    r.setField(5, maybe(rnd, rnd.nextFloat()));
    r.setField(6, maybe(rnd, rnd.nextBoolean()));
    r.setField(7, maybe(rnd, StringData.fromString(rnd.nextBoolean() ? "x" + i : "é€" + i)));
    r.setField(8, maybe(rnd, rnd.nextInt(20_000)));
    r.setField(9, maybe(rnd, ts(rnd)));
    r.setField(10, (long) i);
    r.setField(11, ts(rnd));
    r.setField(12, rnd.nextInt(40) == 0 ? null : (long) rnd.nextInt(1000) - 500);
    return r;
  }

  private static TimestampData ts(Random rnd) {
    return TimestampData.fromEpochMillis(1_700_000_000_000L + rnd.nextInt(1_000_000_000), 0);
  }

  private static Object maybe(Random rnd, Object v) {
    return rnd.nextInt(10) == 0 ? null : v;
  }
}
