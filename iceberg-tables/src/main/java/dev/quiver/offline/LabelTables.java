package dev.quiver.offline;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalInputFile;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Presents any label source as an Iceberg table, so that one reader serves all of them: an Iceberg
 * table is used as is (at a snapshot); Parquet files are registered by reference into a scratch
 * table (no copy, a name mapping for files without field ids); a CSV file is parsed once into a
 * scratch table (the time column as timestamptz, the other columns as strings).
 */
final class LabelTables {
  private LabelTables() {}

  /**
   * Reads a CSV file as rows of strings, fields trimmed, blank lines skipped. A holder, so that
   * Jackson's CSV module is loaded only for CSV labels (the Spark module runs the Flink path in its
   * tests without it).
   */
  private static final class Csv {
    static final ObjectReader READER =
        new CsvMapper()
            .readerForArrayOf(String.class)
            .with(CsvParser.Feature.WRAP_AS_ARRAY)
            .with(CsvParser.Feature.TRIM_SPACES)
            .with(CsvParser.Feature.SKIP_EMPTY_LINES);
  }

  /**
   * A label table at a snapshot, and the checksum of the source for the manifest.
   *
   * @param schema the label columns as of that snapshot (an Iceberg label table's columns may have
   *     changed since)
   */
  record Labels(Table table, Long snapshotId, String checksum, String location, Schema schema) {}

  static Labels open(LabelSource source, Catalog catalog, Path scratch) {
    try {
      return switch (source.format()) {
        case "iceberg" -> {
          Table t;
          try {
            t = catalog.loadTable(TableIdentifier.parse(source.location()));
          } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
            throw noSuchTable(source.location(), e);
          }
          Long snap =
              source.snapshotId() != null
                  ? source.snapshotId()
                  : t.currentSnapshot() == null ? null : t.currentSnapshot().snapshotId();
          if (snap != null && t.snapshot(snap) == null) {
            // a rebuild's pinned label snapshot (Iceberg's "Cannot find snapshot" failed the job)
            throw LabelColumns.noLabelSnapshot(source, snap);
          }
          // the columns as of that snapshot: a column added since is not a label column of a
          // rebuild (before: it was, so the rebuilt rows were not the original's)
          Schema schema = snapshotSchema(t, snap);
          requireTimeColumn(schema, source);
          yield new Labels(t, snap, "iceberg:" + t.uuid() + "@" + snap, t.location(), schema);
        }
        case "parquet" -> parquet(source, scratch);
        case "csv" -> csv(source, scratch);
        default -> throw new IllegalStateException(source.format());
      };
    } catch (IOException e) {
      throw new UncheckedIOException("reading labels " + source.location() + ": " + e, e);
    }
  }

  /** A table's schema as of a snapshot (its current one without a snapshot or a schema id). */
  private static Schema snapshotSchema(Table t, Long snapshotId) {
    Integer id = snapshotId == null ? null : t.snapshot(snapshotId).schemaId();
    Schema s = id == null ? null : t.schemas().get(id);
    return s == null ? t.schema() : s;
  }

  /** The error for label rows named as an Iceberg table the offline catalog does not have. */
  static IllegalArgumentException noSuchTable(String location, Exception cause) {
    return new IllegalArgumentException(
        "labels: Iceberg table '"
            + location
            + "' does not exist in the offline catalog (expected: a table ns.table; a"
            + " local file or folder needs a '/' or a .parquet/.csv name, e.g. ./"
            + location
            + ")",
        cause);
  }

  /**
   * The files at {@code location}: the file itself, or every file ending in {@code suffix} under
   * the folder.
   *
   * @param field the request field that named the location ({@code labels}, {@code source}), for
   *     the error
   */
  static List<Path> files(String field, String location, String suffix) throws IOException {
    Path p = Path.of(location);
    if (!Files.exists(p)) {
      throw new IllegalArgumentException(
          field
              + ": '"
              + location
              + "' does not exist (expected: a "
              + suffix
              + " file or folder)");
    }
    if (Files.isRegularFile(p)) {
      return List.of(p);
    }
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> files =
          s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(suffix))
              .sorted()
              .toList();
      if (files.isEmpty()) {
        throw new IllegalArgumentException(
            field + ": no " + suffix + " files under '" + location + "'");
      }
      return files;
    }
  }

  /**
   * The checksum a manifest records for label files ({@code parquet} or {@code csv}), as {@link
   * #open} computes it; null for an Iceberg table, which a manifest pins by snapshot instead.
   */
  static String fileChecksum(String format, String location) throws IOException {
    return switch (format) {
      case "parquet" -> checksum(files("labels", location, ".parquet"));
      case "csv" -> checksum(files("labels", location, ".csv"));
      default -> null;
    };
  }

  /** SHA-256 over the files' bytes, in path order. */
  static String checksum(List<Path> files) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (Path f : files) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
          while (in.read(buf) >= 0) {
            // digesting
          }
        }
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Labels parquet(LabelSource source, Path scratch) throws IOException {
    List<Path> files = files("labels", source.location(), ".parquet");
    Table t = registerParquet("labels", files, scratch.resolve("labels").toUri().toString());
    requireTimeColumn(t.schema(), source);
    return new Labels(
        t, t.currentSnapshot().snapshotId(), checksum(files), source.location(), t.schema());
  }

  /**
   * Registers Parquet files by reference (no copy) as a new unpartitioned Iceberg table at {@code
   * location}, with a name mapping for files written without Iceberg field ids.
   *
   * @param field the request field that named the files ({@code labels}, {@code source}), for the
   *     error when one is not a Parquet file
   */
  static Table registerParquet(String field, List<Path> files, String location) throws IOException {
    MessageType type = null;
    Path first = null;
    Map<Path, MessageType> types = new HashMap<>();
    for (Path f : files) {
      MessageType t = withoutInt96(field, f, parquetType(field, f));
      types.put(f, t);
      if (type == null) {
        type = t;
        first = f;
      } else {
        // the table's schema is the first file's: a file with other columns was read wrong
        // a file with field ids is read by id, one without by name (the name mapping)
        String diff =
            columnDifference(icebergSchema(type), icebergSchema(t), ParquetSchemaUtil.hasIds(t));
        if (diff != null) {
          throw new IllegalArgumentException(
              field
                  + ": '"
                  + f
                  + "' has other columns than '"
                  + first
                  + "' ("
                  + diff
                  + "); every Parquet file of one folder needs the same column names and types:"
                  + " rewrite the file with the others' columns, or move it out of the folder");
        }
      }
    }
    Table t =
        new HadoopTables(new Configuration())
            .create(
                icebergSchema(type),
                PartitionSpec.unpartitioned(),
                Map.of(TableProperties.FORMAT_VERSION, "2"),
                location);
    // the mapping of the table's schema: creating the table assigns fresh ids, nested fields'
    // included (a mapping of the schema passed in gave a list's element or a struct's fields ids
    // the table does not have, and they were read as missing)
    NameMapping mapping = MappingUtil.create(t.schema());
    java.util.Set<String> millis = new java.util.TreeSet<>();
    types.values().forEach(m -> millis.addAll(MillisTimestampBounds.millisColumns(m)));
    var props =
        t.updateProperties()
            .set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(mapping));
    if (!millis.isEmpty()) {
      props.set(MillisTimestampBounds.PROPERTY, String.join(",", millis));
    }
    props.commit();
    AppendFiles append = t.newAppend();
    for (Path f : files) {
      append.appendFile(
          DataFiles.builder(PartitionSpec.unpartitioned())
              // a plain path: Hadoop reads a URI's %20 (a space, a quote...) literally, and the
              // file "does not exist"
              .withPath(f.toAbsolutePath().toString())
              .withFormat(FileFormat.PARQUET)
              .withFileSizeInBytes(Files.size(f))
              .withMetrics(
                  MillisTimestampBounds.inMicros(
                      ParquetUtil.fileMetrics(
                          org.apache.iceberg.Files.localInput(f.toFile()),
                          MetricsConfig.getDefault(),
                          mapping),
                      types.get(f),
                      t.schema()))
              .build());
    }
    append.commit();
    return t;
  }

  /**
   * Refuses a Parquet file with an INT96 column (the legacy timestamp that Spark writes by default,
   * and Hive and Impala): Iceberg's Flink reader does not read it, so the export (or backfill)
   * failed inside the job with "Unsupported type: optional int96 ts", naming no file.
   */
  private static MessageType withoutInt96(String field, Path f, MessageType type) {
    for (var c : type.getColumns()) {
      if (c.getPrimitiveType().getPrimitiveTypeName()
          == org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName
              .INT96) {
        throw new IllegalArgumentException(
            field
                + ": column '"
                + String.join(".", c.getPath())
                + "' of '"
                + f
                + "' is INT96, the legacy Parquet timestamp (Spark's default, Hive's, Impala's),"
                + " which Iceberg's Flink reader does not read (expected: a Parquet timestamp"
                + " column; write the file with spark.sql.parquet.outputTimestampType ="
                + " TIMESTAMP_MICROS, or rewrite it, e.g. pandas.read_parquet(f).to_parquet(f))");
      }
    }
    return type;
  }

  /** A Parquet file's schema, from its footer. */
  private static MessageType parquetType(String field, Path f) {
    try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(f))) {
      return r.getFooter().getFileMetaData().getSchema();
    } catch (RuntimeException | IOException e) {
      throw new IllegalArgumentException(
          field
              + ": '"
              + f
              + "' is not a readable Parquet file; expected Parquet files (a file, or a folder"
              + " of *.parquet), a CSV file named *.csv, or an Iceberg table ns.table",
          e);
    }
  }

  /**
   * Checks label rows' columns against a training set's features when the export is submitted,
   * before any job runs (QA pass, session 12: a missing time column or join key was a job that
   * failed): the time column and its type, the join keys, feature-named and untyped columns. Reads
   * an Iceberg table's schema, the first Parquet file's footer or the first CSV file's header only.
   */
  static void checkColumns(LabelSource source, Catalog catalog, List<FeatureSelection> features) {
    Schema schema;
    try {
      schema = schema(source, catalog);
    } catch (IOException e) {
      throw new UncheckedIOException("reading labels " + source.location() + ": " + e, e);
    }
    if (schema == null) {
      // a CSV file without a row was accepted and failed the job
      throw emptyCsv(source);
    }
    LabelColumns.check(
        source, schema.columns().stream().map(Types.NestedField::name).toList(), features);
    LabelColumns.checkKeyTypes(source, features, keyTypeProblem(schema));
    requireTimeColumn(schema, source);
    schema.columns().forEach(RowDataValues::requireLabelColumn);
  }

  /** The label rows' columns as {@link #open} presents them; null for CSV files without a row. */
  private static Schema schema(LabelSource source, Catalog catalog) throws IOException {
    switch (source.format()) {
      case "iceberg":
        try {
          return catalog.loadTable(TableIdentifier.parse(source.location())).schema();
        } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
          throw noSuchTable(source.location(), e);
        }
      case "parquet":
        Path first = files("labels", source.location(), ".parquet").get(0);
        return icebergSchema(withoutInt96("labels", first, parquetType("labels", first)));
      default:
        for (Path f : files("labels", source.location(), ".csv")) {
          try (MappingIterator<String[]> it = Csv.READER.readValues(csvText(f))) {
            if (it.hasNext()) {
              return csvSchema(csvHeader(it.next()), source);
            }
          } catch (RuntimeJsonMappingException
              | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(
                "labels: '" + f + "' is not a readable CSV file: " + e.getMessage());
          }
        }
        return null;
    }
  }

  /**
   * The top-level columns of Parquet label files stored as nanosecond timestamps (pandas' {@code
   * datetime64[ns]} as pyarrow writes it), by name, each with whether it is adjusted to UTC, from
   * the first file's footer; empty for other formats.
   */
  static Map<String, Boolean> nanosecondTimes(LabelSource source) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    if (!source.format().equals("parquet")) {
      return out;
    }
    MessageType type;
    try {
      type = parquetType("labels", files("labels", source.location(), ".parquet").get(0));
    } catch (IOException e) {
      throw new UncheckedIOException("reading labels " + source.location() + ": " + e, e);
    }
    for (org.apache.iceberg.shaded.org.apache.parquet.schema.Type f : type.getFields()) {
      if (f.isPrimitive()
          && f.getLogicalTypeAnnotation()
              instanceof
              org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation
                      .TimestampLogicalTypeAnnotation
                  ts
          && ts.getUnit()
              == org.apache.iceberg.shaded.org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit
                  .NANOS) {
        out.put(f.getName(), ts.isAdjustedToUTC());
      }
    }
    return out;
  }

  private static Schema icebergSchema(MessageType type) {
    return ParquetSchemaUtil.convert(
        ParquetSchemaUtil.hasIds(type) ? type : ParquetSchemaUtil.addFallbackIds(type));
  }

  /**
   * The first difference between two files' top-level columns, by name and type (order and
   * optional/required aside; field ids only with {@code ids}), or null when they have the same
   * columns.
   */
  static String columnDifference(Schema expected, Schema actual, boolean ids) {
    for (Types.NestedField c : expected.columns()) {
      Types.NestedField other = actual.findField(c.name());
      if (other == null) {
        return "no column " + c.name();
      }
      if (!sameType(c.type(), other.type())) {
        return "column "
            + c.name()
            + " is "
            + typeName(other.type())
            + ", not "
            + typeName(c.type());
      }
      if (ids && other.fieldId() != c.fieldId()) {
        return "column "
            + c.name()
            + " has Parquet field id "
            + other.fieldId()
            + ", not "
            + c.fieldId();
      }
    }
    for (Types.NestedField c : actual.columns()) {
      if (expected.findField(c.name()) == null) {
        return "an extra column " + c.name();
      }
    }
    return null;
  }

  private static boolean sameType(
      org.apache.iceberg.types.Type a, org.apache.iceberg.types.Type b) {
    return a.isPrimitiveType() || b.isPrimitiveType()
        ? a.equals(b)
        : typeName(a).equals(typeName(b));
  }

  /** A type without its field ids (nested fields are numbered per file). */
  private static String typeName(org.apache.iceberg.types.Type t) {
    return t.isPrimitiveType() ? t.toString() : t.toString().replaceAll("\\d+: ", "");
  }

  /**
   * For {@link LabelColumns#checkKeyTypes}: a column's type when it is not a string or an integer
   * (an absent column is {@link LabelColumns#check}'s to refuse).
   */
  static java.util.function.Function<String, String> keyTypeProblem(Schema schema) {
    return name -> {
      Types.NestedField f = schema.findField(name);
      if (f == null) {
        return null;
      }
      return switch (f.type().typeId()) {
        case STRING, INTEGER, LONG -> null;
        default -> f.type().toString();
      };
    };
  }

  private static void requireTimeColumn(Schema schema, LabelSource source) {
    Types.NestedField time = schema.findField(source.timestampColumn());
    if (time != null
        && time.type().typeId() != Type.TypeID.TIMESTAMP
        && time.type().typeId() != Type.TypeID.LONG) {
      // it was read as a number anyway: a ClassCastException in the job
      throw LabelColumns.timeColumnType(source, time.type().toString());
    }
    if (time == null) {
      throw LabelColumns.noTimeColumn(
          source, schema.columns().stream().map(Types.NestedField::name).toList());
    }
  }

  private static Labels csv(LabelSource source, Path scratch) throws IOException {
    List<Path> files = files("labels", source.location(), ".csv");
    List<String> header = null;
    List<String[]> rows = new ArrayList<>();
    // where each row is (file, char offset of its last field), for an error's line: Jackson's CSV
    // location counts records, not lines (a quoted line break or a skipped blank line shifted it)
    List<Path> rowFiles = new ArrayList<>();
    List<Long> rowOffsets = new ArrayList<>();
    for (Path f : files) {
      // RFC 4180 (quoted fields, doubled quotes, commas and line breaks inside quotes), a leading
      // byte order mark, CRLF or LF: what spreadsheets, pandas and R write
      // read as text, so that the parser's locations are char offsets into it (for errors)
      String text = csvText(f);
      try (MappingIterator<String[]> it = Csv.READER.readValues(text)) {
        if (!it.hasNext()) {
          continue;
        }
        List<String> h = csvHeader(it.next());
        if (header == null) {
          header = h;
        }
        while (it.hasNext()) {
          String[] row = it.next();
          // where the row's last field starts: on the row's (last) line
          long offset = it.getParser().currentTokenLocation().getCharOffset();
          if (row.length > 1 || (row.length == 1 && !row[0].isBlank())) {
            rows.add(row);
            rowFiles.add(f);
            rowOffsets.add(offset);
          }
        }
      } catch (RuntimeJsonMappingException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException(
            "labels: '" + f + "' is not a readable CSV file: " + e.getMessage());
      }
    }
    if (header == null) {
      throw emptyCsv(source);
    }
    int timeIdx = header.indexOf(source.timestampColumn());
    Schema schema = csvSchema(header, source);
    requireTimeColumn(schema, source);
    Table t =
        new HadoopTables(new Configuration())
            .create(
                schema,
                PartitionSpec.unpartitioned(),
                Map.of(TableProperties.FORMAT_VERSION, "2"),
                scratch.resolve("labels").toUri().toString());
    OfflineWriter w = new OfflineWriter(t);
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      if (row.length != header.size()) {
        // a line cut short was a label row with the missing fields (its time too) null; fields
        // past the header's (an unquoted comma in a value) were dropped
        Path f = rowFiles.get(r);
        throw new IllegalArgumentException(
            "labels line "
                + lineAt(f, rowOffsets.get(r))
                + (files.size() > 1 ? " of " + f : "")
                + ": "
                + row.length
                + (row.length == 1 ? " field" : " fields")
                + ", but the header has "
                + header.size()
                + " columns ("
                + String.join(", ", header)
                + ") (expected: one field per column, an empty one for no value, e.g. a,,c;"
                + " quote a value that holds a comma: \"a, b\")");
      }
      Map<String, Object> values = new HashMap<>();
      for (int i = 0; i < header.size() && i < row.length; i++) {
        String v = row[i].strip();
        if (v.isEmpty()) {
          continue;
        }
        if (i == timeIdx) {
          try {
            values.put(header.get(i), parseTime(v, source, 0));
          } catch (IllegalArgumentException e) {
            Path f = rowFiles.get(r);
            throw new IllegalArgumentException(
                "labels line "
                    + lineAt(f, rowOffsets.get(r))
                    + (files.size() > 1 ? " of " + f : "")
                    + e.getMessage().substring(e.getMessage().indexOf(':')),
                e);
          }
        } else {
          values.put(header.get(i), v);
        }
      }
      w.add(w.record(values));
    }
    w.commit(Map.of());
    return new Labels(
        t,
        t.currentSnapshot() == null ? null : t.currentSnapshot().snapshotId(),
        checksum(files),
        source.location(),
        t.schema());
  }

  /** The error for CSV label rows without a header (an empty file, or blank lines only). */
  private static IllegalArgumentException emptyCsv(LabelSource source) {
    return new IllegalArgumentException(
        "labels: '"
            + source.location()
            + "' is empty (expected: a CSV file whose first row, the header, names the join-key"
            + " and time columns)");
  }

  /** A CSV header row's column names. */
  private static List<String> csvHeader(String[] row) {
    return java.util.Arrays.stream(row).map(c -> c.replace("\uFEFF", "").strip()).toList();
  }

  /** CSV label columns: the time column as timestamptz, the others as strings. */
  private static Schema csvSchema(List<String> header, LabelSource source) {
    List<Types.NestedField> cols = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      if (header.indexOf(header.get(i)) < i) {
        // Iceberg's "Invalid schema: multiple fields for name" otherwise, not an argument error
        throw new IllegalArgumentException(
            "labels: column '"
                + header.get(i)
                + "' appears twice in the header of "
                + source.location()
                + " (expected: unique column names; rename or drop one)");
      }
      cols.add(
          Types.NestedField.optional(
              i + 1,
              header.get(i),
              header.get(i).equals(source.timestampColumn())
                  ? Types.TimestampType.withZone()
                  : Types.StringType.get()));
    }
    return new Schema(cols);
  }

  /**
   * A CSV file's text without its byte order mark (which the parser would take for part of the
   * first header field, and its quotes for plain characters).
   */
  private static String csvText(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException(
          "labels: '"
              + file
              + "' is not UTF-8 text (expected: a CSV file in UTF-8; convert it, e.g. iconv -f"
              + " latin1 -t utf-8)");
    }
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** The 1-based line of a file that holds char {@code offset} of its {@link #csvText}. */
  private static long lineAt(Path file, long offset) throws IOException {
    String text = csvText(file);
    long line = 1;
    for (int i = 0; i < Math.min(offset, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  /**
   * Epoch millis, or a time as {@link dev.quiver.core.offline.OfflineTimes#parse} reads it
   * (ISO-8601 instants or offsets, {@code yyyy-MM-dd[T ]HH:mm[:ss[.SSS]]} and a date alone as UTC).
   */
  static Instant parseTime(String v, LabelSource source, int line) {
    try {
      if (v.chars().allMatch(Character::isDigit)) {
        long millis = Long.parseLong(v);
        try {
          // epoch seconds (or micros) text refused as in an integer column, not read as 1970
          return Instant.ofEpochMilli(LabelLayout.epochMillis(source.timestampColumn(), millis));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("labels line " + line + ": " + e.getMessage(), e);
        }
      }
      return dev.quiver.core.offline.OfflineTimes.parse(v);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(
          "labels line "
              + line
              + ": "
              + source.timestampColumn()
              + " '"
              + v
              + "' (expected: an ISO-8601 time such as 2024-05-01T12:00:00Z, or epoch millis)");
    }
  }
}
