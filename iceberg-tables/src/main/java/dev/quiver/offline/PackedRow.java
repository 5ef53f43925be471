package dev.quiver.offline;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A {@link SweepRow} serialized once ({@link SweepRowSerializer}) beside its join-key hash ({@link
 * KeyCodec#hash64}, also the partitioning key): what crosses the shuffle into {@link
 * SweepFunction}. A plain class with its own serializer rather than a {@code Tuple2<Long, byte[]>},
 * whose serializer builds every received tuple through reflection and boxes the hash (together 7%
 * of a training set's CPU samples). Mutable, not thread-safe; {@link #bytes} null marks an event
 * with a null key (dropped by {@link FlinkFunctions#KEEP}).
 */
final class PackedRow {
  long hash;
  byte[] bytes;

  PackedRow() {}

  PackedRow(long hash, byte[] bytes) {
    this.hash = hash;
    this.bytes = bytes;
  }

  /** The type information of packed rows. */
  static final TypeInformation<PackedRow> TYPE =
      new SerializerTypeInfo<>(PackedRow.class, Serializer.INSTANCE);

  /** Writes the hash, the length and the bytes; reads into a new row each time. */
  static final class Serializer extends TypeSerializer<PackedRow> {
    private static final long serialVersionUID = 1L;
    static final Serializer INSTANCE = new Serializer();

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public TypeSerializer<PackedRow> duplicate() {
      return this; // stateless
    }

    @Override
    public PackedRow createInstance() {
      return new PackedRow();
    }

    @Override
    public PackedRow copy(PackedRow from) {
      return new PackedRow(from.hash, from.bytes == null ? null : from.bytes.clone());
    }

    @Override
    public PackedRow copy(PackedRow from, PackedRow reuse) {
      return copy(from);
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(PackedRow r, DataOutputView out) throws IOException {
      out.writeLong(r.hash);
      if (r.bytes == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(r.bytes.length);
      out.write(r.bytes);
    }

    @Override
    public PackedRow deserialize(DataInputView in) throws IOException {
      long hash = in.readLong();
      int n = in.readInt();
      byte[] b = null;
      if (n >= 0) {
        b = new byte[n];
        in.readFully(b);
      }
      return new PackedRow(hash, b);
    }

    @Override
    public PackedRow deserialize(PackedRow reuse, DataInputView in) throws IOException {
      return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      target.writeLong(source.readLong());
      int n = source.readInt();
      target.writeInt(n);
      if (n > 0) {
        target.write(source, n);
      }
    }

    @Override
    public boolean equals(Object obj) {
      return obj instanceof Serializer;
    }

    @Override
    public int hashCode() {
      return Serializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<PackedRow> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (no configuration). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<PackedRow> {
    public Snapshot() {
      super(() -> Serializer.INSTANCE);
    }
  }
}
