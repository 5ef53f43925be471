package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalInputFile;

/** Reading and writing training-set Parquet files (local paths). */
public final class TrainingSetFiles {
  /** The data file name inside an export's output directory. */
  public static final String DATA_FILE = "part-00000.parquet";

  private TrainingSetFiles() {}

  static FileAppender<Record> newAppender(Schema schema, String file) {
    return newAppender(schema, file, "gzip");
  }

  /**
   * An appender with the given Parquet codec ({@code gzip}, Iceberg's default for files outside a
   * table, or {@code snappy}, which training-set outputs use: several times cheaper to write and
   * DuckDB's and Spark's default too).
   */
  static FileAppender<Record> newAppender(Schema schema, String file, String codec) {
    try {
      Path p = Path.of(file);
      Files.createDirectories(p.getParent());
      Files.deleteIfExists(p);
      return Parquet.write(org.apache.iceberg.Files.localOutput(p.toFile()))
          .schema(schema)
          .createWriterFunc(GenericParquetWriter::create)
          .set(TableProperties.PARQUET_COMPRESSION, codec)
          .overwrite()
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /** Writes records to a Parquet file (labels for tests and benchmarks, small outputs). */
  public static void write(Schema schema, Path file, Iterable<Record> records) {
    try (FileAppender<Record> a = newAppender(schema, file.toString())) {
      a.addAll(records);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /** The Iceberg schema of a Parquet file (fallback ids when it has none). */
  public static Schema schemaOf(Path file) {
    try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file))) {
      var type = r.getFooter().getFileMetaData().getSchema();
      return ParquetSchemaUtil.convert(
          ParquetSchemaUtil.hasIds(type) ? type : ParquetSchemaUtil.addFallbackIds(type));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  /** Reads every record of a Parquet file written by Quiver. */
  public static List<Record> read(Path file) {
    Schema schema = schemaOf(file);
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<Record> it =
        Parquet.read(org.apache.iceberg.Files.localInput(file.toFile()))
            .project(schema)
            .createReaderFunc(ms -> GenericParquetReaders.buildReader(schema, ms))
            .build()) {
      it.forEach(r -> out.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
    return out;
  }
}
