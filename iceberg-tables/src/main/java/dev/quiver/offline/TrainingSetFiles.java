package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetWriter;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalInputFile;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalOutputFile;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;

/** Reading and writing training-set Parquet files (local paths). */
public final class TrainingSetFiles {
  /** The file-name prefix of an export's Parquet parts ({@code part-00000.parquet}, ...). */
  public static final String PART_PREFIX = "part-";

  /** The file-name suffix of an export's Parquet parts. */
  public static final String PART_SUFFIX = ".parquet";

  private TrainingSetFiles() {}

  /** The name of part {@code index} of an export ({@code part-00003.parquet}). */
  public static String partName(int index) {
    return String.format(java.util.Locale.ROOT, "%s%05d%s", PART_PREFIX, index, PART_SUFFIX);
  }

  /** The Parquet parts in an export's output directory, in part order (empty if none). */
  public static List<Path> parts(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = Files.list(dir)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PART_PREFIX) && n.endsWith(PART_SUFFIX);
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + dir, e);
    }
  }

  /** Deletes the Parquet parts a previous export left in {@code dir}. */
  static void deleteParts(Path dir) {
    for (Path p : parts(dir)) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException("deleting " + p, e);
      }
    }
  }

  /** The row count of a Parquet file, from its footer. */
  public static long rowCount(Path file) {
    try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file))) {
      return r.getRecordCount();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  /**
   * Appends the Parquet file {@code file} (written with the table's schema) to the unpartitioned
   * {@code table} as one data file, with its column metrics, and commits; returns the data file.
   */
  public static DataFile appendTo(Table table, Path file) {
    try {
      DataFile df =
          DataFiles.builder(PartitionSpec.unpartitioned())
              .withPath(file.toAbsolutePath().toUri().toString())
              .withFormat(FileFormat.PARQUET)
              .withFileSizeInBytes(Files.size(file))
              .withMetrics(
                  ParquetUtil.fileMetrics(
                      org.apache.iceberg.Files.localInput(file.toFile()),
                      MetricsConfig.getDefault()))
              .build();
      table.newAppend().appendFile(df).commit();
      return df;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static FileAppender<Record> newAppender(Schema schema, String file) {
    return newAppender(schema, file, "gzip");
  }

  /**
   * An appender with the given Parquet codec ({@code gzip}, Iceberg's default for files outside a
   * table, or {@code snappy}, which training-set outputs use: several times cheaper to write and
   * DuckDB's and Spark's default too).
   */
  static FileAppender<Record> newAppender(Schema schema, String file, String codec) {
    return newAppender(schema, file, codec, GenericParquetWriter::create);
  }

  /**
   * {@link #newAppender(Schema, String, String)} with another value writer (the same file settings,
   * so the same values make the same file).
   */
  static <T> FileAppender<T> newAppender(
      Schema schema,
      String file,
      String codec,
      java.util.function.BiFunction<Schema, MessageType, ParquetValueWriter<?>> writer) {
    try {
      Path p = Path.of(file);
      Files.createDirectories(p.getParent());
      Files.deleteIfExists(p);
      return Parquet.write(org.apache.iceberg.Files.localOutput(p.toFile()))
          .schema(schema)
          .createWriterFunc(writer)
          .set(TableProperties.PARQUET_COMPRESSION, codec)
          .overwrite()
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /**
   * Writes records to a Parquet file (labels for tests and benchmarks, small outputs); without
   * records, a file with the columns and no rows.
   */
  public static void write(Schema schema, Path file, Iterable<Record> records) {
    write(schema, file, records, "gzip");
  }

  /**
   * {@link #write(Schema, Path, Iterable)} with the given Parquet codec ({@code gzip}, {@code
   * snappy}, {@code zstd}...).
   */
  public static void write(Schema schema, Path file, Iterable<Record> records, String codec) {
    if (!records.iterator().hasNext()) {
      writeEmpty(schema, file); // the appender would write no file
      return;
    }
    try (FileAppender<Record> a = newAppender(schema, file.toString(), codec)) {
      a.addAll(records);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /**
   * Writes a Parquet file with {@code schema}'s columns and no rows. Iceberg's appender creates no
   * file at all when no row was added (its Parquet writer starts the file with the first row
   * group); this writes the magic, an empty footer with the schema (field ids included) and
   * Iceberg's {@code iceberg.schema} key, as its writer would have.
   */
  static void writeEmpty(Schema schema, Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      ParquetFileWriter w =
          new ParquetFileWriter(
              new LocalOutputFile(file),
              ParquetSchemaUtil.convert(schema, "table"),
              ParquetFileWriter.Mode.CREATE,
              ParquetWriter.DEFAULT_BLOCK_SIZE,
              ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
      w.start();
      w.end(java.util.Map.of("iceberg.schema", SchemaParser.toJson(schema)));
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

  /**
   * Reads every record of an export's parts, part after part (each part is ordered by label time;
   * the concatenation is not).
   */
  public static List<Record> read(List<Path> parts) {
    List<Record> out = new ArrayList<>();
    for (Path p : parts) {
      out.addAll(read(p));
    }
    return out;
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
