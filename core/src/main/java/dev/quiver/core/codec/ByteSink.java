package dev.quiver.core.codec;

import java.util.Arrays;

/**
 * A growable byte buffer for the codecs: {@link java.io.ByteArrayOutputStream} without its per-byte
 * lock. Each encode writes one small value on one thread, and the materialization job encodes
 * several per event (tile states, row cells, entity keys): the uncontended lock of every {@code
 * write(int)} showed in the tile task's profile and made an encode up to 3x dearer when the JIT did
 * not elide it (docs/materialization.md, "Session 11"). Not thread-safe.
 */
final class ByteSink {
  private byte[] buf;
  private int size;

  ByteSink(int capacity) {
    this.buf = new byte[capacity];
  }

  void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  /** The low {@code width} bytes of {@code v}, big-endian. */
  void writeLong(long v, int width) {
    ensure(width);
    for (int i = width - 1; i >= 0; i--) {
      buf[size++] = (byte) (v >>> (8 * i));
    }
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private void ensure(int n) {
    if (size + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
    }
  }
}
