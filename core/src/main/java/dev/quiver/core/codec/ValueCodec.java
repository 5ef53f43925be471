package dev.quiver.core.codec;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureType.Scalar;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Encodes feature values of a known {@link FeatureType} to compact bytes and back. Used for
 * row-feature cells in the online store and inside tile states.
 *
 * <p>Layout: {@code null} is the empty array. Otherwise one marker byte {@code 0x01} then the
 * value: BOOL 1 byte; INT32/FLOAT32 4 bytes and INT64/FLOAT64/TIMESTAMP (epoch millis) 8 bytes,
 * big-endian; STRING UTF-8 and BYTES raw, to the end. Arrays: an unsigned varint count, then each
 * element (fixed-width raw, STRING/BYTES prefixed with a varint length). Array elements may not be
 * null.
 *
 * <p>Java value types after {@link #decode}/{@link #normalize}: Boolean, Integer, Long, Float,
 * Double, String, byte[], Instant (TIMESTAMP), and an unmodifiable {@code List} of those for
 * arrays. Thread-safe and stateless.
 */
public final class ValueCodec {
  private static final byte PRESENT = 0x01;

  private ValueCodec() {}

  /** Encodes {@code value} (any type {@link #normalize} accepts; null allowed). */
  public static byte[] encode(FeatureType type, Object value) {
    Object v = normalize(type, value);
    if (v == null) {
      return new byte[0];
    }
    ByteSink out = new ByteSink(16);
    out.write(PRESENT);
    if (type.array()) {
      List<?> list = (List<?>) v;
      writeVarint(out, list.size());
      for (Object e : list) {
        writeScalar(out, type.scalar(), e, true);
      }
    } else {
      writeScalar(out, type.scalar(), v, false);
    }
    return out.toByteArray();
  }

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws IllegalArgumentException when the bytes are not a value of {@code type}
   */
  public static Object decode(FeatureType type, byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      if (in.get() != PRESENT) {
        throw new IllegalArgumentException("bad marker byte");
      }
      Object result;
      if (type.array()) {
        int n = readVarint(in);
        List<Object> list = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
          list.add(readScalar(in, type.scalar(), true));
        }
        result = Collections.unmodifiableList(list);
      } else {
        result = readScalar(in, type.scalar(), false);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing bytes");
      }
      return result;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot decode a " + type + " value from " + bytes.length + " bytes: " + e.getMessage(),
          e);
    }
  }

  /**
   * Converts an input value to the canonical Java type for {@code type}: numbers are range-checked
   * and converted, TIMESTAMP accepts Instant, LocalDateTime (UTC), java.util.Date and epoch-millis
   * numbers, arrays accept List, Object[] and primitive arrays.
   *
   * @throws IllegalArgumentException naming the expected type
   */
  public static Object normalize(FeatureType type, Object value) {
    if (value == null) {
      return null;
    }
    if (!type.array()) {
      return scalar(type.scalar(), value);
    }
    List<Object> out = new ArrayList<>();
    if (value instanceof List<?> l) {
      l.forEach(e -> out.add(element(type.scalar(), e)));
    } else if (value instanceof Object[] a) {
      for (Object e : a) {
        out.add(element(type.scalar(), e));
      }
    } else if (value instanceof float[] a) {
      for (float e : a) {
        out.add(scalar(type.scalar(), e));
      }
    } else if (value instanceof double[] a) {
      for (double e : a) {
        out.add(scalar(type.scalar(), e));
      }
    } else if (value instanceof long[] a) {
      for (long e : a) {
        out.add(scalar(type.scalar(), e));
      }
    } else if (value instanceof int[] a) {
      for (int e : a) {
        out.add(scalar(type.scalar(), e));
      }
    } else {
      throw mismatch(type, value);
    }
    return Collections.unmodifiableList(out);
  }

  private static Object element(Scalar s, Object e) {
    if (e == null) {
      throw new IllegalArgumentException(
          "array element: null (expected: a " + s + "; arrays may not hold nulls)");
    }
    return scalar(s, e);
  }

  private static Object scalar(Scalar s, Object v) {
    switch (s) {
      case BOOL:
        if (v instanceof Boolean) {
          return v;
        }
        throw mismatch(s, v);
      case INT32:
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
          return ((Number) v).intValue();
        }
        if (v instanceof Long l && l == l.intValue()) {
          return l.intValue();
        }
        throw mismatch(s, v);
      case INT64:
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
          return ((Number) v).longValue();
        }
        throw mismatch(s, v);
      case FLOAT32:
        if (v instanceof Number n) {
          return n.floatValue();
        }
        throw mismatch(s, v);
      case FLOAT64:
        if (v instanceof Number n) {
          return n.doubleValue();
        }
        throw mismatch(s, v);
      case STRING:
        if (v instanceof CharSequence cs) {
          return cs.toString();
        }
        throw mismatch(s, v);
      case BYTES:
        if (v instanceof byte[]) {
          return v;
        }
        throw mismatch(s, v);
      case TIMESTAMP:
        if (v instanceof Instant) {
          return v;
        }
        if (v instanceof LocalDateTime ldt) {
          return ldt.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof java.util.Date d) {
          return d.toInstant();
        }
        if (v instanceof Long || v instanceof Integer) {
          return Instant.ofEpochMilli(((Number) v).longValue());
        }
        throw mismatch(s, v);
      default:
        throw new IllegalStateException(s.toString());
    }
  }

  /**
   * The scalar's type is built here, not per value: {@link #scalar} runs once per encoded value.
   */
  private static IllegalArgumentException mismatch(Scalar s, Object v) {
    return mismatch(new FeatureType(s, false), v);
  }

  private static IllegalArgumentException mismatch(FeatureType type, Object v) {
    return new IllegalArgumentException(
        "value: "
            + v
            + " of type "
            + v.getClass().getSimpleName()
            + " (expected: a "
            + type
            + " value)");
  }

  private static void writeScalar(ByteSink out, Scalar s, Object v, boolean inArray) {
    switch (s) {
      case BOOL -> out.write(((Boolean) v) ? 1 : 0);
      case INT32 -> out.writeLong((Integer) v, 4);
      case INT64 -> out.writeLong((Long) v, 8);
      case FLOAT32 -> out.writeLong(Float.floatToIntBits((Float) v), 4);
      case FLOAT64 -> out.writeLong(Double.doubleToLongBits((Double) v), 8);
      case TIMESTAMP -> out.writeLong(((Instant) v).toEpochMilli(), 8);
      case STRING -> writeBytes(out, ((String) v).getBytes(StandardCharsets.UTF_8), inArray);
      case BYTES -> writeBytes(out, (byte[]) v, inArray);
    }
  }

  private static Object readScalar(ByteBuffer in, Scalar s, boolean inArray) {
    return switch (s) {
      case BOOL -> in.get() != 0;
      case INT32 -> in.getInt();
      case INT64 -> in.getLong();
      case FLOAT32 -> in.getFloat();
      case FLOAT64 -> in.getDouble();
      case TIMESTAMP -> Instant.ofEpochMilli(in.getLong());
      case STRING -> new String(readBytes(in, inArray), StandardCharsets.UTF_8);
      case BYTES -> readBytes(in, inArray);
    };
  }

  private static void writeBytes(ByteSink out, byte[] b, boolean prefixed) {
    if (prefixed) {
      writeVarint(out, b.length);
    }
    out.write(b, 0, b.length);
  }

  private static byte[] readBytes(ByteBuffer in, boolean prefixed) {
    int n = prefixed ? readVarint(in) : in.remaining();
    if (n > in.remaining()) {
      throw new IllegalArgumentException(
          "length " + n + " exceeds the " + in.remaining() + " left");
    }
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  /** Writes an unsigned LEB128 varint. */
  static void writeVarint(ByteSink out, int v) {
    if (v < 0) {
      throw new IllegalArgumentException("length: " + v + " (expected: >= 0)");
    }
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  /** Reads an unsigned LEB128 varint. */
  static int readVarint(ByteBuffer in) {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = in.get();
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (result < 0) {
          throw new IllegalArgumentException("negative varint");
        }
        return result;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
