package dev.quiver.core.tile;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.FeatureType;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Byte layout shared by the state encodings: a leading tag byte (the function) and a format
 * version, then big-endian fields. Values are written with {@link ValueCodec} behind an int length.
 */
final class StateBytes {
  static final byte FORMAT = 1;

  private StateBytes() {}

  /**
   * Appends big-endian fields to a growing array (no stream objects: encoders run once per tile,
   * series and mini-batch in the streaming job).
   */
  static final class Writer {
    private byte[] buf = new byte[32];
    private int size;

    Writer(byte tag) {
      buf[0] = tag;
      buf[1] = FORMAT;
      size = 2;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    Writer writeLong(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (v >>> shift);
      }
      return this;
    }

    Writer writeDouble(double v) {
      return writeLong(Double.doubleToLongBits(v));
    }

    Writer writeInt(int v) {
      ensure(4);
      buf[size++] = (byte) (v >>> 24);
      buf[size++] = (byte) (v >>> 16);
      buf[size++] = (byte) (v >>> 8);
      buf[size++] = (byte) v;
      return this;
    }

    Writer writeBlob(byte[] b) {
      writeInt(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, size, b.length);
      size += b.length;
      return this;
    }

    Writer writeValue(FeatureType type, Object v) {
      return writeBlob(ValueCodec.encode(type, v));
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf, size);
    }
  }

  /** Opens {@code bytes} for reading after checking the tag and version. */
  static ByteBuffer reader(byte tag, String function, byte[] bytes) {
    if (bytes == null || bytes.length < 2 || bytes[0] != tag || bytes[1] != FORMAT) {
      throw new IllegalArgumentException(
          "tile state: not a "
              + function
              + " state (tag "
              + (bytes == null || bytes.length == 0 ? "none" : bytes[0])
              + ", expected "
              + tag
              + " format "
              + FORMAT
              + ")");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.position(2);
    return in;
  }

  static byte[] readBlob(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("tile state: bad length " + n);
    }
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  static Object readValue(ByteBuffer in, FeatureType type) {
    return ValueCodec.decode(type, readBlob(in));
  }

  static void requireEnd(ByteBuffer in) {
    if (in.hasRemaining()) {
      throw new IllegalArgumentException("tile state: " + in.remaining() + " trailing bytes");
    }
  }
}
