package dev.quiver.offline;

/**
 * Parquet's RLE / bit-packing hybrid encoding (definition levels and dictionary ids), decoded in
 * bulk into an {@code int[]}: runs of one value and groups of eight bit-packed values (least
 * significant bit first), each behind a ULEB128 header. Static helpers, thread-safe.
 */
final class HybridRle {
  private HybridRle() {}

  /**
   * Decodes {@code n} values of {@code bitWidth} bits from {@code buf[pos, end)} into {@code dst[0,
   * n)}.
   *
   * @return the position after the last run or group read
   * @throws IllegalStateException when the data ends before {@code n} values
   */
  static int decode(byte[] buf, int pos, int end, int bitWidth, int[] dst, int n) {
    int bytesPerRunValue = (bitWidth + 7) >>> 3;
    int mask = bitWidth == 32 ? -1 : (1 << bitWidth) - 1;
    int done = 0;
    while (done < n) {
      if (pos >= end) {
        throw new IllegalStateException(
            "corrupt RLE/bit-packed data: " + done + " of " + n + " values, then the page ended");
      }
      int header = 0;
      int shift = 0;
      int b;
      do {
        b = buf[pos++] & 0xff;
        header |= (b & 0x7f) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) { // a run of one value
        int count = header >>> 1;
        int v = 0;
        for (int i = 0; i < bytesPerRunValue; i++) {
          v |= (buf[pos++] & 0xff) << (8 * i);
        }
        int stop = Math.min(n, done + count);
        java.util.Arrays.fill(dst, done, stop, v);
        done = stop;
      } else { // groups of 8 bit-packed values
        int count = (header >>> 1) * 8;
        int bytes = (header >>> 1) * bitWidth;
        int take = Math.min(count, n - done);
        long bitPos = (long) pos * 8;
        for (int i = 0; i < take; i++) {
          int byteAt = (int) (bitPos >>> 3);
          int bitOff = (int) (bitPos & 7);
          long word = 0;
          int need = (bitOff + bitWidth + 7) >>> 3;
          for (int k = 0; k < need; k++) {
            word |= (long) (buf[byteAt + k] & 0xff) << (8 * k);
          }
          dst[done + i] = (int) (word >>> bitOff) & mask;
          bitPos += bitWidth;
        }
        done += take;
        pos += bytes;
      }
    }
    return pos;
  }
}
