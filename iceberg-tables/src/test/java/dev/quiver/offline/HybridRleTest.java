package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.iceberg.shaded.org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/** {@link HybridRle} decodes what parquet-mr's own encoder writes, for every bit width. */
class HybridRleTest {
  @Test
  void decodesParquetMrsEncodingForEveryBitWidth() throws Exception {
    Random rnd = new Random(3);
    for (int width = 0; width <= 32; width++) {
      for (int round = 0; round < 5; round++) {
        int n = 1 + rnd.nextInt(3000);
        int[] values = new int[n];
        for (int i = 0; i < n; ) {
          // runs (RLE) and noise (bit-packed groups), including a partial last group
          int v =
              width == 0
                  ? 0
                  : (int) (rnd.nextLong() & (width == 32 ? 0xffffffffL : (1L << width) - 1));
          int run = rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(40);
          for (int k = 0; k < run && i < n; k++) {
            values[i++] = v;
          }
        }
        byte[] encoded;
        try (RunLengthBitPackingHybridEncoder e =
            new RunLengthBitPackingHybridEncoder(
                width, 64, 1 << 20, new HeapByteBufferAllocator())) {
          for (int v : values) {
            e.writeInt(v);
          }
          encoded = e.toBytes().toByteArray();
        }
        // at an offset inside a larger buffer, as in a page
        byte[] page = new byte[encoded.length + 7];
        System.arraycopy(encoded, 0, page, 3, encoded.length);
        int[] decoded = new int[n];
        HybridRle.decode(page, 3, 3 + encoded.length, width, decoded, n);
        assertThat(decoded).as("width %d, %d values", width, n).isEqualTo(values);
        int part = rnd.nextInt(n + 1);
        int[] prefix = new int[part];
        HybridRle.decode(page, 3, 3 + encoded.length, width, prefix, part);
        assertThat(prefix).isEqualTo(Arrays.copyOf(values, part));
      }
    }
  }

  @Test
  void truncatedDataIsAnError() {
    byte[] oneRun = {(byte) (4 << 1), 1}; // a run of 4 ones, width 1
    int[] out = new int[5];
    assertThatThrownBy(() -> HybridRle.decode(oneRun, 0, oneRun.length, 1, out, 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("4 of 5 values");
  }
}
