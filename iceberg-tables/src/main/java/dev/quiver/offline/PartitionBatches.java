package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Builds {@link PackedBatch}es, one open batch per sweep subtask: a row goes to subtask {@code hash
 * mod channels} (what {@link HashPartitioner} did per row), written in place between {@link #begin}
 * and {@link #end}, and a batch is handed to {@code emit} once it holds {@link #BATCH_BYTES}. Not
 * thread-safe (one per reader or operator).
 */
final class PartitionBatches {
  /** A batch is emitted at this size: one of Flink's 32 KiB network buffers. */
  static final int BATCH_BYTES = 32 * 1024 - 64;

  private final DataOutputSerializer[] open;
  private final Consumer<PackedBatch> emit;
  private DataOutputSerializer current;
  private int currentChannel;
  private int rowStart;

  PartitionBatches(int channels, Consumer<PackedBatch> emit) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels: " + channels + " (expected: >= 1)");
    }
    this.open = new DataOutputSerializer[channels];
    this.emit = emit;
  }

  /** The subtask of a key hash. */
  static int channel(long hash, int channels) {
    return (int) Long.remainderUnsigned(hash, channels);
  }

  /**
   * Opens a row of {@code hash}; write its serialized bytes to the returned buffer, then {@link
   * #end}.
   */
  DataOutputSerializer begin(long hash) {
    int ch = channel(hash, open.length);
    DataOutputSerializer out = open[ch];
    if (out == null) {
      out = open[ch] = new DataOutputSerializer(BATCH_BYTES + 1024);
    }
    try {
      out.writeLong(hash);
      rowStart = out.length();
      out.writeInt(0); // the row's length, set by end()
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    current = out;
    currentChannel = ch;
    return out;
  }

  /** Closes the row opened by {@link #begin}; emits its batch when full. */
  void end() {
    DataOutputSerializer out = current;
    int len = out.length() - rowStart - 4;
    PackedBatch.INT.set(out.getSharedBuffer(), rowStart, len);
    if (out.length() >= BATCH_BYTES) {
      emit(currentChannel);
    }
    current = null;
  }

  /** Drops the row opened by {@link #begin} (for example an event whose key turned out null). */
  void abort() {
    current.setPositionUnsafe(rowStart - 8);
    current = null;
  }

  /** Appends an already serialized row. */
  void add(long hash, byte[] row, int offset, int length) {
    try {
      begin(hash).write(row, offset, length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    end();
  }

  /** Emits every open, non-empty batch. */
  void flush() {
    for (int ch = 0; ch < open.length; ch++) {
      if (open[ch] != null && open[ch].length() > 0) {
        emit(ch);
      }
    }
  }

  /**
   * Hands the batch's own buffer over (the next row of this subtask opens a new one): a batch is
   * immutable once emitted, and a new buffer costs its zeroing where a copy cost a read and a write
   * of every byte.
   */
  private void emit(int ch) {
    DataOutputSerializer out = open[ch];
    open[ch] = null;
    emit.accept(new PackedBatch(ch, out.getSharedBuffer(), out.length()));
  }
}
