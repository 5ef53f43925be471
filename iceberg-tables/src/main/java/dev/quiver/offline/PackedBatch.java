package dev.quiver.offline;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A batch of sweep rows bound for one sweep subtask ({@link #channel}): what crosses the shuffle
 * into {@link SweepFunction}. Each row is {@code [key hash: long][length: int][length bytes of
 * SweepRowSerializer's format]}, big-endian, back to back, so that the exchange moves a few large
 * records instead of one record (and one object, one length, one copy) per row, and the sweep
 * appends the bytes to its buffer as they are. Built by {@link PartitionBatches}. Immutable once
 * emitted.
 */
final class PackedBatch {
  static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** The sweep subtask these rows belong to ({@code hash mod parallelism}). */
  final int channel;

  /** The rows; only the first {@link #length} bytes are used. */
  final byte[] bytes;

  final int length;

  PackedBatch(int channel, byte[] bytes, int length) {
    this.channel = channel;
    this.bytes = bytes;
    this.length = length;
  }

  /** Receives one row of a batch. */
  @FunctionalInterface
  interface RowSink {
    void row(byte[] bytes, int offset, int length, long hash);
  }

  /** Calls {@code sink} for each row, in order. */
  void forEachRow(RowSink sink) {
    int at = 0;
    while (at < length) {
      long hash = (long) LONG.get(bytes, at);
      int len = (int) INT.get(bytes, at + 8);
      sink.row(bytes, at + 12, len, hash);
      at += 12 + len;
    }
  }

  /** The type information of batches. */
  static final TypeInformation<PackedBatch> TYPE =
      new SerializerTypeInfo<>(PackedBatch.class, Serializer.INSTANCE);

  /** Writes the channel, the length and the bytes; reads into a new batch. */
  static final class Serializer extends TypeSerializer<PackedBatch> {
    private static final long serialVersionUID = 1L;
    static final Serializer INSTANCE = new Serializer();

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    public TypeSerializer<PackedBatch> duplicate() {
      return this; // stateless
    }

    @Override
    public PackedBatch createInstance() {
      return new PackedBatch(0, new byte[0], 0);
    }

    @Override
    public PackedBatch copy(PackedBatch from) {
      return from; // immutable
    }

    @Override
    public PackedBatch copy(PackedBatch from, PackedBatch reuse) {
      return from;
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(PackedBatch b, DataOutputView out) throws IOException {
      out.writeInt(b.channel);
      out.writeInt(b.length);
      out.write(b.bytes, 0, b.length);
    }

    @Override
    public PackedBatch deserialize(DataInputView in) throws IOException {
      int channel = in.readInt();
      int n = in.readInt();
      byte[] b = new byte[n];
      in.readFully(b);
      return new PackedBatch(channel, b, n);
    }

    @Override
    public PackedBatch deserialize(PackedBatch reuse, DataInputView in) throws IOException {
      return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      target.writeInt(source.readInt());
      int n = source.readInt();
      target.writeInt(n);
      target.write(source, n);
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
    public TypeSerializerSnapshot<PackedBatch> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Serializer snapshot (no configuration). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<PackedBatch> {
    public Snapshot() {
      super(() -> Serializer.INSTANCE);
    }
  }
}
