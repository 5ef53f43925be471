package dev.quiver.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueCodecTest {
  @Test
  void roundTripsEveryType() {
    check(FeatureType.BOOL, true);
    check(FeatureType.INT32, -5);
    check(FeatureType.INT64, Long.MIN_VALUE);
    check(FeatureType.FLOAT32, 1.5f);
    check(FeatureType.FLOAT64, -0.25);
    check(FeatureType.STRING, "");
    check(FeatureType.STRING, "héllo");
    check(FeatureType.TIMESTAMP, Instant.ofEpochMilli(1_700_000_000_123L));
    check(FeatureType.arrayOf(FeatureType.Scalar.FLOAT32), List.of(0.5f, -1f, 3f));
    check(FeatureType.arrayOf(FeatureType.Scalar.STRING), List.of("a", "", "bc"));
    check(FeatureType.arrayOf(FeatureType.Scalar.INT64), List.of());
    assertThat(
            ValueCodec.decode(
                FeatureType.BYTES, ValueCodec.encode(FeatureType.BYTES, new byte[] {1, 2})))
        .isEqualTo(new byte[] {1, 2});
  }

  @Test
  void theEncodedBytesAreTheStoredFormat() {
    // Online cells, tile states and entity keys hold these bytes: the layout must never change.
    assertThat(ValueCodec.encode(FeatureType.BOOL, true)).containsExactly(1, 1);
    assertThat(ValueCodec.encode(FeatureType.INT32, -2)).containsExactly(1, 0xFF, 0xFF, 0xFF, 0xFE);
    assertThat(ValueCodec.encode(FeatureType.INT64, 0x0102030405060708L))
        .containsExactly(1, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(ValueCodec.encode(FeatureType.FLOAT32, 1.5f)).containsExactly(1, 0x3F, 0xC0, 0, 0);
    assertThat(ValueCodec.encode(FeatureType.FLOAT64, -0.25))
        .containsExactly(1, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0);
    assertThat(ValueCodec.encode(FeatureType.TIMESTAMP, Instant.ofEpochMilli(258)))
        .containsExactly(1, 0, 0, 0, 0, 0, 0, 1, 2);
    assertThat(ValueCodec.encode(FeatureType.STRING, "hé")).containsExactly(1, 'h', 0xC3, 0xA9);
    assertThat(ValueCodec.encode(FeatureType.arrayOf(FeatureType.Scalar.STRING), List.of("a", "")))
        .containsExactly(1, 2, 1, 'a', 0);
    // longer than the encoder's first buffer, with a two-byte varint length in an array
    String longString = "x".repeat(200);
    byte[] longArray =
        ValueCodec.encode(FeatureType.arrayOf(FeatureType.Scalar.STRING), List.of(longString));
    assertThat(longArray).hasSize(4 + 200);
    assertThat(Arrays.copyOf(longArray, 4)).containsExactly(1, 1, 0xC8, 0x01);
    assertThat(
            EntityKeyCodec.encode(
                List.of(new JoinKey("a", FeatureType.STRING), new JoinKey("b", FeatureType.INT32)),
                List.of("u", 7)))
        .containsExactly(2, 1, 'u', 5, 1, 0, 0, 0, 7);
  }

  @Test
  void nullAndEmptyStringDiffer() {
    assertThat(ValueCodec.decode(FeatureType.STRING, ValueCodec.encode(FeatureType.STRING, null)))
        .isNull();
    assertThat(ValueCodec.encode(FeatureType.STRING, "")).hasSize(1);
  }

  @Test
  void normalizesInputs() {
    assertThat(ValueCodec.normalize(FeatureType.INT64, 3)).isEqualTo(3L);
    assertThat(
            ValueCodec.normalize(FeatureType.arrayOf(FeatureType.Scalar.FLOAT32), new float[] {1f}))
        .isEqualTo(List.of(1f));
    assertThat(ValueCodec.normalize(FeatureType.TIMESTAMP, 5L)).isEqualTo(Instant.ofEpochMilli(5));
  }

  @Test
  void wrongTypesAreNamed() {
    assertThatThrownBy(() -> ValueCodec.encode(FeatureType.INT64, "x"))
        .hasMessage("value: x of type String (expected: a INT64 value)");
    assertThatThrownBy(() -> ValueCodec.decode(FeatureType.INT64, new byte[] {1, 2}))
        .hasMessageStartingWith("cannot decode a INT64 value from 2 bytes");
  }

  @Test
  void entityKeysAreUnambiguous() {
    List<JoinKey> keys =
        List.of(new JoinKey("a", FeatureType.STRING), new JoinKey("b", FeatureType.STRING));
    byte[] x = EntityKeyCodec.encode(keys, List.of("ab", "c"));
    byte[] y = EntityKeyCodec.encode(keys, List.of("a", "bc"));
    assertThat(x).isNotEqualTo(y);
    assertThat(EntityKeyCodec.decode(keys, x)).containsExactly("ab", "c");
    assertThatThrownBy(() -> EntityKeyCodec.encode(keys, List.of("a")))
        .hasMessage("entity key: 1 values (expected: 2, one per join key [a, b])");
    assertThatThrownBy(() -> EntityKeyCodec.encode(new JoinKey("user_id", FeatureType.INT64), "u1"))
        .hasMessage("user_id: value: u1 of type String (expected: a INT64 value)");
  }

  private static void check(FeatureType t, Object v) {
    assertThat(ValueCodec.decode(t, ValueCodec.encode(t, v))).isEqualTo(v);
  }
}
