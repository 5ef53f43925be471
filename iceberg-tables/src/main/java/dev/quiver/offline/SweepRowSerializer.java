package dev.quiver.offline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * A compact Flink serializer for {@link SweepRow}: tagged plain values instead of Kryo, which
 * otherwise dominates the cost of shuffling and sorting millions of events in batch mode.
 */
public final class SweepRowSerializer extends TypeSerializer<SweepRow> {
  private static final long serialVersionUID = 1L;
  public static final SweepRowSerializer INSTANCE = new SweepRowSerializer();

  /** The type information that uses this serializer. */
  public static final TypeInformation<SweepRow> TYPE =
      new SerializerTypeInfo<>(SweepRow.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<SweepRow> duplicate() {
    return this;
  }

  @Override
  public SweepRow createInstance() {
    return new SweepRow();
  }

  /**
   * {@code r} as a plain row: a {@link RawLabelRow}'s key and label values decoded from its bytes
   * (its features array is shared), any other row itself.
   */
  static SweepRow materialize(SweepRow r) {
    if (!(r instanceof RawLabelRow raw)) {
      return r;
    }
    DataInputDeserializer in = new DataInputDeserializer(raw.chunk, raw.from, raw.to - raw.from);
    try {
      SweepRow m = new SweepRow();
      m.key = readUtf8(in);
      m.time = in.readLong();
      m.kind = in.readInt();
      m.seq = in.readLong();
      m.ingestedAt = in.readLong();
      m.values = readArray(in);
      m.features = raw.features;
      return m;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("decoding a buffered label row", e);
    }
  }

  /** Skips one serialized value array ({@link #readArray}'s input) without decoding it. */
  static void skipArray(DataInputView in) throws IOException {
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      skipValue(in);
    }
  }

  private static void skipValue(DataInputView in) throws IOException {
    byte tag = in.readByte();
    switch (tag) {
      case 0 -> {}
      case 1 -> in.skipBytesToRead(Math.max(0, in.readInt()));
      case 2, 4 -> in.skipBytesToRead(8);
      case 3, 5 -> in.skipBytesToRead(4);
      case 6 -> in.skipBytesToRead(1);
      case 7, 9 -> in.skipBytesToRead(in.readInt());
      case 8 -> {
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          skipValue(in);
        }
      }
      default -> throw new IOException("corrupt sweep row: value tag " + tag);
    }
  }

  @Override
  public SweepRow copy(SweepRow row) {
    SweepRow from = materialize(row);
    SweepRow r = new SweepRow();
    r.key = from.key;
    r.time = from.time;
    r.kind = from.kind;
    r.seq = from.seq;
    r.ingestedAt = from.ingestedAt;
    r.values = from.values == null ? null : from.values.clone();
    r.features = from.features == null ? null : from.features.clone();
    return r;
  }

  @Override
  public SweepRow copy(SweepRow from, SweepRow reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(SweepRow r, DataOutputView out) throws IOException {
    if (r instanceof RawLabelRow raw) {
      // key, time, sort fields and label values as they were read: one copy, no decode
      out.write(raw.chunk, raw.from, raw.to - raw.from);
      writeArray(r.features, out);
      return;
    }
    writeUtf8(r.key, out);
    out.writeLong(r.time);
    out.writeInt(r.kind);
    out.writeLong(r.seq);
    out.writeLong(r.ingestedAt);
    writeArray(r.values, out);
    writeArray(r.features, out);
  }

  @Override
  public SweepRow deserialize(DataInputView in) throws IOException {
    return deserializeAfterKey(readUtf8(in), in);
  }

  /**
   * Reads the rest of a row whose key the caller has already decoded (its bytes skipped): the
   * sweep's buffer shares one key string among the consecutive rows of a key.
   */
  static SweepRow deserializeAfterKey(String key, DataInputView in) throws IOException {
    SweepRow r = new SweepRow();
    r.key = key;
    r.time = in.readLong();
    r.kind = in.readInt();
    r.seq = in.readLong();
    r.ingestedAt = in.readLong();
    r.values = readArray(in);
    r.features = readArray(in);
    return r;
  }

  @Override
  public SweepRow deserialize(SweepRow reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  /** Copies one serialized row without materializing it (batch sorts spill through this). */
  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    copyUtf8(source, target);
    target.write(source, 8 + 4 + 8 + 8);
    copyArray(source, target);
    copyArray(source, target);
  }

  private static void copyArray(DataInputView in, DataOutputView out) throws IOException {
    int n = in.readInt();
    out.writeInt(n);
    for (int i = 0; i < n; i++) {
      copyValue(in, out);
    }
  }

  private static void copyValue(DataInputView in, DataOutputView out) throws IOException {
    byte tag = in.readByte();
    out.writeByte(tag);
    switch (tag) {
      case 0 -> {}
      case 1 -> copyUtf8(in, out);
      case 2 -> out.write(in, 8);
      case 3, 5 -> out.write(in, 4);
      case 4 -> out.write(in, 8);
      case 6 -> out.write(in, 1);
      case 7, 9 -> {
        int len = in.readInt();
        out.writeInt(len);
        out.write(in, len);
      }
      case 8 -> {
        int n = in.readInt();
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
          copyValue(in, out);
        }
      }
      default -> throw new IOException("corrupt sweep row: value tag " + tag);
    }
  }

  /**
   * Strings as a byte length and UTF-8 bytes (-1: null): cheaper to read than Flink's char-by-char
   * {@code StringValue} encoding for the short ASCII keys that dominate here.
   */
  private static void writeUtf8(String s, DataOutputView out) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readUtf8(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void copyUtf8(DataInputView in, DataOutputView out) throws IOException {
    int n = in.readInt();
    out.writeInt(n);
    if (n > 0) {
      out.write(in, n);
    }
  }

  /**
   * The bytes {@code a} is serialized as in a row: the last tie-break of events equal in event
   * time, {@code _seq} and {@code _ingested_at} ({@link PointInTimeSweep#EVENT_ORDER}), which the
   * columnar sweep applies to the same bytes in its buffer.
   */
  static byte[] arrayBytes(Object[] a) {
    org.apache.flink.core.memory.DataOutputSerializer out =
        new org.apache.flink.core.memory.DataOutputSerializer(64);
    try {
      writeArray(a, out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.getCopyOfBuffer();
  }

  private static void writeArray(Object[] a, DataOutputView out) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (Object v : a) {
      writeValue(v, out);
    }
  }

  static Object[] readArray(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    Object[] a = new Object[n];
    for (int i = 0; i < n; i++) {
      a[i] = readValue(in);
    }
    return a;
  }

  private static void writeValue(Object v, DataOutputView out) throws IOException {
    if (v == null) {
      out.writeByte(0);
    } else if (v instanceof String s) {
      out.writeByte(1);
      writeUtf8(s, out);
    } else if (v instanceof Long l) {
      out.writeByte(2);
      out.writeLong(l);
    } else if (v instanceof Integer i) {
      out.writeByte(3);
      out.writeInt(i);
    } else if (v instanceof Double d) {
      out.writeByte(4);
      out.writeDouble(d);
    } else if (v instanceof Float f) {
      out.writeByte(5);
      out.writeFloat(f);
    } else if (v instanceof Boolean b) {
      out.writeByte(6);
      out.writeBoolean(b);
    } else if (v instanceof byte[] b) {
      out.writeByte(7);
      out.writeInt(b.length);
      out.write(b);
    } else if (v instanceof List<?> l) {
      out.writeByte(8);
      out.writeInt(l.size());
      for (Object e : l) {
        writeValue(e, out);
      }
    } else {
      out.writeByte(9);
      byte[] b = InstantiationUtil.serializeObject(v);
      out.writeInt(b.length);
      out.write(b);
    }
  }

  static Object readValue(DataInputView in) throws IOException {
    return readValue(in.readByte(), in);
  }

  /** A value whose tag byte the caller has read. */
  static Object readValue(byte tag, DataInputView in) throws IOException {
    switch (tag) {
      case 0:
        return null;
      case 1:
        return readUtf8(in);
      case 2:
        return in.readLong();
      case 3:
        return in.readInt();
      case 4:
        return in.readDouble();
      case 5:
        return in.readFloat();
      case 6:
        return in.readBoolean();
      case 7:
        {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          return b;
        }
      case 8:
        {
          int n = in.readInt();
          List<Object> l = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            l.add(readValue(in));
          }
          return l;
        }
      case 9:
        {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          try {
            return InstantiationUtil.deserializeObject(
                b, SweepRowSerializer.class.getClassLoader());
          } catch (ClassNotFoundException e) {
            throw new IOException(e);
          }
        }
      default:
        throw new IOException("corrupt sweep row: value tag " + tag);
    }
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof SweepRowSerializer;
  }

  @Override
  public int hashCode() {
    return SweepRowSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<SweepRow> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Serializer snapshot (no configuration). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SweepRow> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
