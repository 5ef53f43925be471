package dev.quiver.core.tile;

import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.spec.FeatureType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Byte layout shared by the state encodings: a leading tag byte (the function) and a format
 * version, then big-endian fields. Values are written with {@link ValueCodec} behind an int length.
 */
final class StateBytes {
  static final byte FORMAT = 1;

  private StateBytes() {}

  static final class Writer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
    private final DataOutputStream out = new DataOutputStream(bytes);

    Writer(byte tag) {
      bytes.write(tag);
      bytes.write(FORMAT);
    }

    Writer writeLong(long v) {
      try {
        out.writeLong(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Writer writeDouble(double v) {
      return writeLong(Double.doubleToLongBits(v));
    }

    Writer writeInt(int v) {
      try {
        out.writeInt(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Writer writeBlob(byte[] b) {
      writeInt(b.length);
      bytes.write(b, 0, b.length);
      return this;
    }

    Writer writeValue(FeatureType type, Object v) {
      return writeBlob(ValueCodec.encode(type, v));
    }

    byte[] toBytes() {
      return bytes.toByteArray();
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
