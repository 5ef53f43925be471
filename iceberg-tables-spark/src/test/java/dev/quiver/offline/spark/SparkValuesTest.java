package dev.quiver.offline.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/**
 * The sweep's values as Spark row values. A window aggregation over a TIMESTAMP column (max, min,
 * first, last, last_n) yields {@link Instant}s: the Spark path threw "ClassCastException: class
 * java.time.Instant cannot be cast to class java.lang.Number" for every such feature
 * (SparkFuzzDifferentialITCase, a view with {@code max} of a TIMESTAMP column), where the Flink
 * path writes them.
 */
class SparkValuesTest {
  @Test
  void timestampAggregatesAreInstants() {
    Instant at = Instant.ofEpochMilli(1_767_225_600_123L);
    assertThat(SparkTrainingSet.sparkValue(Types.TimestampType.withZone(), at)).isEqualTo(at);
    assertThat(SparkTrainingSet.sparkValue(Types.TimestampType.withoutZone(), at))
        .isEqualTo(LocalDateTime.of(2026, 1, 1, 0, 0, 0, 123_000_000));
    Object list =
        SparkTrainingSet.sparkValue(
            Types.ListType.ofOptional(1, Types.TimestampType.withZone()),
            java.util.Arrays.asList(at, null, at.plusMillis(1)));
    List<Object> values =
        new java.util.ArrayList<>(
            scala.collection.JavaConverters.seqAsJavaList((scala.collection.Seq<?>) list));
    assertThat(values).containsExactly(at, null, at.plusMillis(1));
    // epoch millis (row features, label times) as before
    assertThat(SparkTrainingSet.sparkValue(Types.TimestampType.withZone(), at.toEpochMilli()))
        .isEqualTo(at);
    assertThat(SparkTrainingSet.sparkValue(Types.LongType.get(), 5)).isEqualTo(5L);
    assertThat(
            SparkTrainingSet.sparkValue(
                Types.ListType.ofOptional(1, Types.LongType.get()), List.of(1L)))
        .isNotNull();
  }
}
