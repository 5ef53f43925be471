package dev.quiver.offline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What an export read, so that it can be rebuilt row for row later: each view's version and
 * semantics (ttl, tile, delay, features), the Iceberg snapshot id of each table, the label source
 * and its checksum, and the options, and the output: every Parquet part with its row count and
 * SHA-256, and one checksum over all parts in part order. Written as {@code _manifest.json} beside
 * the data.
 *
 * <p>Two checksums per part: {@code checksum} is the SHA-256 of the whole file as written, and
 * {@code dataChecksum} the SHA-256 of its bytes before the Parquet footer (the leading magic and
 * every column chunk: all dictionary and data pages). The footer is left out of the second one
 * because parquet-mr writes each column chunk's {@code encodings} in the order of a {@code HashSet}
 * of enum constants, whose identity hashes differ between JVMs (and its {@code created_by} names
 * the library's version): identical rows rebuilt in another process give the same {@code
 * dataChecksum} but may give another {@code checksum}. A rebuild compares data checksums. Format 2
 * (parts) since session 6; format-1 manifests (one {@code part-00000.parquet}, no parts list) are
 * still read and rebuilt.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingSetManifest(
    int formatVersion,
    String exportId,
    Instant createdAt,
    List<ViewEntry> views,
    LabelEntry labels,
    List<Instant> referenceTimes,
    boolean availabilityGuard,
    String output,
    long rows,
    String outputChecksum,
    List<PartEntry> parts,
    String outputDataChecksum) {

  public static final String FILE = "_manifest.json";
  static final int FORMAT_VERSION = 2;

  /**
   * One Parquet part of the output: its file name in the output directory, rows, the SHA-256 of the
   * file and of its pages ({@code dataChecksum}: the bytes before the footer; null in manifests
   * written before session 7).
   */
  public record PartEntry(String file, long rows, String checksum, String dataChecksum) {}

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** One view as read. {@code snapshotId} null: the table was empty. */
  public record ViewEntry(
      String namespace,
      String name,
      String version,
      String table,
      Long snapshotId,
      List<String> features,
      List<KeyEntry> joinKeys,
      long ttlMillis,
      long tileMillis,
      long availabilityDelayMillis,
      List<FeatureEntry> definitions,
      Map<String, String> inputTypes) {}

  public record KeyEntry(String name, String type) {}

  /** A feature's definition; aggregation fields are null for row features. */
  public record FeatureEntry(
      String name, String dtype, String column, String function, Long windowMillis, Integer n) {}

  /** The label source; {@code checksum} is SHA-256 of the files or the Iceberg snapshot. */
  public record LabelEntry(
      String format, String location, String timestampColumn, Long snapshotId, String checksum) {}

  static TrainingSetManifest of(
      TrainingSetRequest request,
      TrainingSetPlan plan,
      LabelTables.Labels labels,
      Path output,
      List<Path> dataFiles) {
    List<ViewEntry> views = new ArrayList<>();
    for (TrainingSetPlan.ViewRead r : plan.reads()) {
      FeatureView v = r.selection().view();
      List<FeatureEntry> defs = new ArrayList<>();
      Map<String, String> inputs = new LinkedHashMap<>();
      for (Feature f : v.features()) {
        Aggregation a = f.aggregation();
        defs.add(
            a == null
                ? new FeatureEntry(f.name(), f.dtype().toString(), null, null, null, null)
                : new FeatureEntry(
                    f.name(),
                    f.dtype().toString(),
                    a.column(),
                    a.function().specName(),
                    a.window().toMillis(),
                    a.n()));
        if (a != null && !"*".equals(a.column())) {
          inputs.put(a.column(), OfflineTables.inputType(v, f).toString());
        }
      }
      views.add(
          new ViewEntry(
              v.namespace(),
              v.name(),
              v.version().toString(),
              r.tableName(),
              r.snapshotId() == null || r.snapshotId() < 0 ? null : r.snapshotId(),
              r.selection().features(),
              r.selection().joinKeys().stream()
                  .map(k -> new KeyEntry(k.name(), k.type().toString()))
                  .toList(),
              v.ttl().toMillis(),
              v.tileSize().toMillis(),
              v.availabilityDelay().toMillis(),
              defs,
              inputs));
    }
    LabelEntry label =
        request.labels() == null
            ? null
            : new LabelEntry(
                request.labels().format(),
                request.labels().location(),
                request.labels().timestampColumn(),
                labels.snapshotId(),
                labels.checksum());
    Digests d = digests(dataFiles);
    return new TrainingSetManifest(
        FORMAT_VERSION,
        UUID.randomUUID().toString(),
        Instant.now(),
        views,
        label,
        request.spine() == null ? null : request.spine().times(),
        request.availabilityGuard(),
        output.toString(),
        d.rows(),
        d.checksum(),
        d.parts(),
        d.dataChecksum());
  }

  /** The parts' entries and the two checksums over all of them in order. */
  record Digests(List<PartEntry> parts, long rows, String checksum, String dataChecksum) {}

  /** The entries and checksums of {@code dataFiles}, in their order. */
  static Digests digests(List<Path> dataFiles) {
    List<PartEntry> parts = new ArrayList<>();
    long rows = 0;
    // Four SHA-256 digests over the same bytes (the part's, its pages', and the two over all parts
    // in order), read once per part: a digest's state is cloned where two share a prefix (the
    // part's pages are the prefix of the part; the first part's bytes are the prefix of both
    // digests over all parts), so the first part is digested once and every other part three
    // times, instead of four times each. An export's digests run serially after its job, and
    // without C2 (quiver export's JVM) SHA-256 is not an intrinsic: ~7 ms per MB, not ~0.6.
    MessageDigest all = null;
    MessageDigest allData = null;
    byte[] buf = new byte[1 << 16];
    for (Path p : dataFiles) {
      long dataBytes = pagesLength(p);
      MessageDigest data = sha256();
      MessageDigest part;
      try (InputStream in = Files.newInputStream(p)) {
        boolean first = all == null;
        for (long pos = 0; pos < dataBytes; ) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, dataBytes - pos));
          if (n < 0) {
            throw new IOException("the file ended before its footer");
          }
          data.update(buf, 0, n);
          if (!first) {
            allData.update(buf, 0, n);
            all.update(buf, 0, n);
          }
          pos += n;
        }
        part = copy(data);
        if (first) {
          allData = copy(data);
          all = copy(data);
        }
        for (int n; (n = in.read(buf)) >= 0; ) {
          part.update(buf, 0, n);
          all.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + p, e);
      }
      long n = TrainingSetFiles.rowCount(p);
      rows += n;
      parts.add(new PartEntry(p.getFileName().toString(), n, hex(part), hex(data)));
    }
    if (all == null) {
      all = sha256();
      allData = sha256();
    }
    return new Digests(parts, rows, hex(all), hex(allData));
  }

  /**
   * The length of a Parquet file's bytes before its footer: the file ends with the footer, its
   * length (4 bytes, little-endian) and the magic {@code PAR1}.
   */
  static long pagesLength(Path parquetFile) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(parquetFile)) {
      long size = ch.size();
      java.nio.ByteBuffer tail =
          java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      if (size < 12 || ch.read(tail, size - 8) != 8 || tail.getInt(4) != 0x31524150) {
        throw new IllegalArgumentException(
            parquetFile + ": not a Parquet file (expected the magic PAR1 at its end)");
      }
      long footer = Integer.toUnsignedLong(tail.getInt(0));
      if (footer > size - 12) {
        throw new IllegalArgumentException(
            parquetFile + ": footer length " + footer + " exceeds the file (truncated?)");
      }
      return size - 8 - footer;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + parquetFile, e);
    }
  }

  /** A copy of a digest's state (SHA-256 digests can be cloned). */
  private static MessageDigest copy(MessageDigest md) {
    try {
      return (MessageDigest) md.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The digest as {@link LabelTables#checksum} writes it ({@code sha256:<hex>}). */
  private static String hex(MessageDigest md) {
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Writes {@code _manifest.json} into {@code dir}. */
  public Path write(Path dir) {
    Path f = dir.resolve(FILE);
    try {
      JSON.writeValue(f.toFile(), this);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + f, e);
    }
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a manifest file (or the {@code _manifest.json} inside a directory). */
  public static TrainingSetManifest read(Path path) {
    Path f = Files.isDirectory(path) ? path.resolve(FILE) : path;
    // every message starts with the request's field (manifest: ...), which the REST API names
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(
          "manifest: '"
              + f
              + "' does not exist (expected: an export's "
              + FILE
              + ", or the export directory holding it)");
    }
    try {
      TrainingSetManifest m = JSON.readValue(f.toFile(), TrainingSetManifest.class);
      if (m.formatVersion() != 1 && m.formatVersion() != FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "manifest: '"
                + f
                + "' has formatVersion "
                + m.formatVersion()
                + " (expected: 1 or "
                + FORMAT_VERSION
                + ")");
      }
      m.check(f);
      return m;
    } catch (IOException e) {
      String why =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
                  + (j.getLocation() == null
                      ? ""
                      : " at line "
                          + j.getLocation().getLineNr()
                          + ", column "
                          + j.getLocation().getColumnNr())
              : e.toString();
      throw new IllegalArgumentException(
          "manifest: '"
              + f
              + "' is not a training-set manifest ("
              + why
              + "; expected: the "
              + FILE
              + " an export wrote)",
          e);
    }
  }

  /**
   * Refuses a manifest the rebuild could not use (edited by hand, or cut short), naming the field:
   * a missing or empty {@code views}, a type or function that is not one, or semantics the view
   * builder refuses (a rebuild failed with "No value present" or a NullPointerException).
   */
  private void check(Path f) {
    String where = "manifest: '" + f + "': ";
    if (views == null || views.isEmpty()) {
      throw new IllegalArgumentException(
          where + "views: none (expected: the views the export read, as the export wrote them)");
    }
    if (labels == null && (referenceTimes == null || referenceTimes.isEmpty())) {
      throw new IllegalArgumentException(
          where + "labels: none, and no referenceTimes (expected: the one the export had)");
    }
    for (int i = 0; i < views.size(); i++) {
      String at = "views[" + i + "]";
      ViewEntry e = views.get(i);
      if (e == null) {
        throw new IllegalArgumentException(where + at + ": null (expected: a view entry)");
      }
      for (String[] required :
          new String[][] {
            {"namespace", e.namespace()},
            {"name", e.name()},
            {"version", e.version()},
            {"table", e.table()}
          }) {
        if (required[1] == null || required[1].isBlank()) {
          throw new IllegalArgumentException(
              where + at + "." + required[0] + ": missing (expected: a value)");
        }
      }
      if (e.joinKeys() == null || e.joinKeys().isEmpty()) {
        throw new IllegalArgumentException(where + at + ".joinKeys: none (expected: the keys)");
      }
      if (e.definitions() == null || e.features() == null) {
        throw new IllegalArgumentException(
            where + at + (e.features() == null ? ".features" : ".definitions") + ": missing");
      }
      try {
        keys(e, at);
        FeatureView v = view(e, at);
        String table = OfflineTables.identifier(v).toString();
        if (!table.equals(e.table())) {
          // the rebuild pins the table it reads by this name: another name read the newest data
          throw new IllegalArgumentException(
              at
                  + ".table: '"
                  + e.table()
                  + "' (expected: "
                  + table
                  + ", the offline table of "
                  + e.namespace()
                  + "."
                  + e.name()
                  + ":"
                  + e.version()
                  + ")");
        }
        for (String name : e.features()) {
          if (v.feature(name).isEmpty()) {
            throw new IllegalArgumentException(
                at + ".features: '" + name + "' is not in " + at + ".definitions");
          }
        }
      } catch (IllegalArgumentException | NullPointerException ex) {
        throw new IllegalArgumentException(where + ex.getMessage(), ex);
      }
    }
  }

  /** The request that rebuilds this export into {@code output} from the pinned snapshots. */
  public TrainingSetRequest toRequest(String output) {
    List<FeatureSelection> sels = new ArrayList<>();
    Map<String, Long> pinned = new LinkedHashMap<>();
    for (ViewEntry e : views) {
      sels.add(new FeatureSelection(view(e, "view"), e.features(), keys(e, "view")));
      pinned.put(e.table(), e.snapshotId() == null ? -1L : e.snapshotId());
    }
    LabelSource ls =
        labels == null
            ? null
            : new LabelSource(
                labels.format(), labels.location(), labels.timestampColumn(), labels.snapshotId());
    return new TrainingSetRequest(
        sels,
        ls,
        referenceTimes == null ? null : new Spine(referenceTimes),
        output,
        availabilityGuard,
        pinned);
  }

  private static List<JoinKey> keys(ViewEntry e, String at) {
    List<JoinKey> out = new ArrayList<>();
    for (int j = 0; j < e.joinKeys().size(); j++) {
      KeyEntry k = e.joinKeys().get(j);
      out.add(new JoinKey(k.name(), type(k.type(), at + ".joinKeys[" + j + "].type")));
    }
    return out;
  }

  private static FeatureType type(String text, String field) {
    return FeatureType.parse(text)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    field + ": '" + text + "' is not a feature type (expected: e.g. STRING)"));
  }

  /** The view's semantics as they were at export time. */
  static FeatureView view(ViewEntry e, String at) {
    List<Feature> features = new ArrayList<>();
    for (int j = 0; j < e.definitions().size(); j++) {
      FeatureEntry f = e.definitions().get(j);
      String def = at + ".definitions[" + j + "]";
      FeatureType t = type(f.dtype(), def + ".dtype");
      if (f.function() != null && f.windowMillis() == null) {
        throw new IllegalArgumentException(
            def + ".windowMillis: missing (expected: the window of " + f.function() + ")");
      }
      AggregationFunction fn =
          f.function() == null
              ? null
              : AggregationFunction.parse(f.function())
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              def
                                  + ".function: '"
                                  + f.function()
                                  + "' (expected: one of "
                                  + java.util.Arrays.stream(AggregationFunction.values())
                                      .map(AggregationFunction::specName)
                                      .toList()
                                  + ")"));
      features.add(
          f.function() == null
              ? Feature.row(f.name(), t)
              : new Feature(
                  f.name(),
                  t,
                  "",
                  null,
                  new Aggregation(
                      f.column(),
                      fn,
                      Duration.ofMillis(f.windowMillis()),
                      f.n() == null ? 0 : f.n()),
                  Map.of()));
    }
    List<SourceField> fields = new ArrayList<>();
    if (e.inputTypes() != null) {
      e.inputTypes()
          .forEach((c, t) -> fields.add(new SourceField(c, type(t, at + ".inputTypes." + c))));
    }
    Source source =
        new Source(
            e.namespace(),
            e.name() + "_manifest",
            "iceberg",
            fields,
            "event_time",
            null,
            null,
            Map.of());
    try {
      return FeatureView.builder(e.name())
          .namespace(e.namespace())
          .version(Version.parse(e.version()))
          .entities(e.joinKeys().stream().map(k -> k.name()).toList())
          .source(source)
          .features(features)
          .ttl(Duration.ofMillis(e.ttlMillis()))
          .tileSize(Duration.ofMillis(e.tileMillis()))
          .availabilityDelay(Duration.ofMillis(e.availabilityDelayMillis()))
          .build();
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException(
          at + " (" + e.namespace() + "." + e.name() + ":" + e.version() + "): " + ex.getMessage(),
          ex);
    }
  }
}
