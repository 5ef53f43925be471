package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.encryption.InputFilesDecryptor;
import org.apache.iceberg.flink.source.RowDataFileScanTaskReader;
import org.apache.iceberg.flink.source.reader.ReaderFunction;
import org.apache.iceberg.flink.source.reader.RecordAndPosition;
import org.apache.iceberg.flink.source.split.IcebergSourceSplit;
import org.apache.iceberg.io.CloseableIterator;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.Parquet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iceberg's Flink source reads a view's table through this function: each split's files become
 * {@link PackedBatch}es of events, already partitioned for the sweep subtasks. The label table is
 * read through it too ({@link #labels}): Parquet files without delete files by {@link LabelPages},
 * anything else by Iceberg's row reader and {@link FlinkFunctions.LabelPacker}. For events: Parquet
 * data files without delete files take the columnar path: {@link EventPages} (parquet-mr's pages
 * decoded into primitive arrays) when every needed column has a field id and encodings it decodes,
 * else {@link EventColumns} (Iceberg's column iterators, which apply a name mapping) straight into
 * the batches; anything else — delete files, other formats, multi-key views, columns of other
 * physical types — is read by Iceberg's own {@code RowData} reader (which applies deletes) and
 * packed row by row ({@link FlinkFunctions.EventPacker}), the same bytes either way.
 *
 * <p>Serializable; {@link #apply} is called on the source's split-fetcher thread, one split at a
 * time. A split is always read from its start: the offline batch jobs run without restarts ({@link
 * FlinkBatch#configuration}), so a split's saved position is never resumed from.
 */
final class EventBatchReader implements ReaderFunction<PackedBatch> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EventBatchReader.class);

  /** Rows read per fetch at most, so that a fetch hands over batches as they fill. */
  private static final int ROWS_PER_STEP = 4096;

  private final Schema tableSchema;
  private final Schema projection;
  private final String nameMapping;
  private final FileIO io;
  private final EncryptionManager encryption;
  private final EventLayout layout;
  private final LabelLayout labelLayout;
  private final FlinkFunctions.RowPacker rowPath;
  private final int channels;
  private transient NameMapping mapping;

  /**
   * @param channels the sweep's parallelism: batches are partitioned by {@code hash mod channels}
   */
  EventBatchReader(Table table, TrainingSetPlan.ViewRead read, int channels) {
    this(
        table,
        table.schema(),
        read.projection(),
        EventLayout.of(read),
        null,
        new FlinkFunctions.EventPacker(read),
        channels);
  }

  private EventBatchReader(
      Table table,
      Schema tableSchema,
      Schema projection,
      EventLayout layout,
      LabelLayout labelLayout,
      FlinkFunctions.RowPacker rowPath,
      int channels) {
    this.tableSchema = tableSchema;
    this.projection = projection;
    this.nameMapping = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    this.io = table.io();
    this.encryption = table.encryption();
    this.layout = layout;
    this.labelLayout = labelLayout;
    this.rowPath = rowPath;
    this.channels = channels;
  }

  /**
   * The label rows of a label table (all its columns), packed for the first entity group's sweep.
   *
   * @param schema the label columns to read: those of the label snapshot read
   * @param columnar the label layout when {@link LabelPages} can decode it ({@link
   *     LabelLayout#of}), else null (every file is read row by row)
   * @param rows the row path, for other files
   */
  static EventBatchReader labels(
      Table table,
      Schema schema,
      LabelLayout columnar,
      FlinkFunctions.LabelPacker rows,
      int channels) {
    return new EventBatchReader(table, schema, schema, null, columnar, rows, channels);
  }

  @Override
  public CloseableIterator<RecordsWithSplitIds<RecordAndPosition<PackedBatch>>> apply(
      IcebergSourceSplit split) {
    return new SplitBatches(split);
  }

  /** The batches of one split, a few at a time. */
  private final class SplitBatches
      implements CloseableIterator<RecordsWithSplitIds<RecordAndPosition<PackedBatch>>> {
    private final String splitId;
    private final Iterator<FileScanTask> files;
    private final InputFilesDecryptor decryptor;
    private final ArrayDeque<PackedBatch> ready = new ArrayDeque<>();
    private final PartitionBatches out = new PartitionBatches(channels, ready::add);
    private CloseableIterator<?> current;
    private boolean currentIsRows;
    private boolean currentIsPages;
    private int fileOffset = -1;
    private long recordOffset;
    private boolean flushed;

    SplitBatches(IcebergSourceSplit split) {
      this.splitId = split.splitId();
      this.files = split.task().files().iterator();
      this.decryptor = new InputFilesDecryptor(split.task(), io, encryption);
    }

    @Override
    public boolean hasNext() {
      fill();
      return !ready.isEmpty();
    }

    @Override
    public RecordsWithSplitIds<RecordAndPosition<PackedBatch>> next() {
      fill();
      if (ready.isEmpty()) {
        throw new NoSuchElementException();
      }
      List<PackedBatch> batches = new ArrayList<>(ready);
      ready.clear();
      return new Fetch(splitId, batches, Math.max(fileOffset, 0), recordOffset);
    }

    private void fill() {
      while (ready.isEmpty()) {
        if (current != null && current.hasNext()) {
          if (currentIsPages) {
            recordOffset += (Integer) current.next(); // a chunk of rows, written to the batches
            continue;
          }
          for (int i = 0; i < ROWS_PER_STEP && ready.isEmpty() && current.hasNext(); i++) {
            Object row = current.next();
            if (currentIsRows) {
              PackedRow p = rowPath.apply((RowData) row);
              if (p.bytes != null) {
                out.add(p.hash, p.bytes, 0, p.bytes.length);
              }
            }
            recordOffset++;
          }
        } else if (current != null) {
          closeCurrent();
        } else if (files.hasNext()) {
          open(files.next());
        } else if (!flushed) {
          flushed = true;
          out.flush();
        } else {
          return;
        }
      }
    }

    private void open(FileScanTask task) {
      fileOffset++;
      recordOffset = 0;
      currentIsPages = false;
      if (labelLayout != null
          && task.file().format() == FileFormat.PARQUET
          && task.deletes().isEmpty()) {
        try {
          current =
              new LabelPages(
                  decryptor.getInputFile(task),
                  task.start(),
                  task.length(),
                  labelLayout,
                  mapping(),
                  out);
          currentIsRows = false;
          currentIsPages = true;
          return;
        } catch (EventColumns.Unsupported e) {
          LOG.info("reading labels {} row by row: {}", task.file().location(), e.getMessage());
        }
      }
      if (layout != null
          && task.file().format() == FileFormat.PARQUET
          && task.deletes().isEmpty()) {
        try {
          current =
              new EventPages(
                  decryptor.getInputFile(task), task.start(), task.length(), layout, out);
          currentIsRows = false;
          currentIsPages = true;
          return;
        } catch (EventColumns.Unsupported e) {
          LOG.info("reading {} with column iterators: {}", task.file().location(), e.getMessage());
        }
        EventColumns columns = new EventColumns(layout, out);
        Parquet.ReadBuilder b =
            Parquet.read(decryptor.getInputFile(task))
                .project(projection)
                .split(task.start(), task.length())
                .createReaderFunc(columns::readerFor);
        if (nameMapping != null) {
          b.withNameMapping(NameMappingParser.fromJson(nameMapping));
        }
        try {
          current = b.build().iterator(); // opens the file: Unsupported is thrown here
          currentIsRows = false;
          return;
        } catch (EventColumns.Unsupported e) {
          LOG.info("reading {} row by row: {}", task.file().location(), e.getMessage());
        }
      }
      current =
          new RowDataFileScanTaskReader(tableSchema, projection, nameMapping, true, List.of())
              .open(task, decryptor);
      currentIsRows = true;
    }

    private NameMapping mapping() {
      if (mapping == null && nameMapping != null) {
        mapping = NameMappingParser.fromJson(nameMapping);
      }
      return mapping;
    }

    private void closeCurrent() {
      try {
        current.close();
      } catch (IOException e) {
        throw new UncheckedIOException("closing a data file", e);
      } finally {
        current = null;
      }
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        closeCurrent();
      }
    }
  }

  /** One fetch: a few batches of one split (the split reader reports the split's end itself). */
  private static final class Fetch implements RecordsWithSplitIds<RecordAndPosition<PackedBatch>> {
    private final List<PackedBatch> batches;
    private final RecordAndPosition<PackedBatch> position = new RecordAndPosition<>();
    private final int fileOffset;
    private final long recordOffset;
    private String splitId;
    private int next;

    Fetch(String splitId, List<PackedBatch> batches, int fileOffset, long recordOffset) {
      this.splitId = splitId;
      this.batches = batches;
      this.fileOffset = fileOffset;
      this.recordOffset = recordOffset;
    }

    @Override
    public String nextSplit() {
      String s = splitId;
      splitId = null;
      return s;
    }

    @Override
    public RecordAndPosition<PackedBatch> nextRecordFromSplit() {
      if (next == batches.size()) {
        return null;
      }
      position.set(batches.get(next++), fileOffset, recordOffset);
      return position;
    }

    @Override
    public Set<String> finishedSplits() {
      return Set.of();
    }
  }
}
