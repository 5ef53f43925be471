package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A part's data checksum covers its pages and nothing of its footer: two files with the same rows
 * and different footers (here: key-value metadata; across JVMs: the order of parquet-mr's encodings
 * sets) have equal page bytes, and different rows give different page bytes. The reference for the
 * footer's position is read from the file's tail here, independently of {@link
 * TrainingSetManifest#pagesLength}.
 */
class TrainingSetManifestTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.optional(1, "user_id", Types.StringType.get()),
          Types.NestedField.optional(2, "v", Types.LongType.get()));

  @TempDir Path dir;

  @Test
  void aFileThatIsNoManifestIsRefusedNamingTheManifestField() throws IOException {
    // QA pass, session 11: "manifest /x: not a training-set manifest: ..." has no "field:" prefix,
    // so the REST API answered 400 with "field": null
    Path notJson = Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    assertThatThrownBy(() -> TrainingSetManifest.read(notJson))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("manifest: '" + notJson + "' is not a training-set manifest (")
        .hasMessageContaining("at line 1, column ")
        .hasMessageEndingWith("expected: the _manifest.json an export wrote)");
    Path emptyDir = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> TrainingSetManifest.read(emptyDir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "manifest: '"
                + emptyDir.resolve("_manifest.json")
                + "' does not exist (expected: an export's _manifest.json, or the export"
                + " directory holding it)");
  }

  static final String MANIFEST =
      """
      {"formatVersion": 2, "exportId": "e1", "createdAt": "2026-11-28T11:56:11Z",
       "views": [{"namespace": "default", "name": "user_txn", "version": "v1",
         "table": "default.user_txn_v1", "snapshotId": 7907394375054752347,
         "features": ["last_amount", "txn_count_1h"],
         "joinKeys": [{"name": "user_id", "type": "STRING"}],
         "ttlMillis": 7200000, "tileMillis": 60000, "availabilityDelayMillis": 0,
         "definitions": [
           {"name": "last_amount", "dtype": "FLOAT64"},
           {"name": "txn_count_1h", "dtype": "INT64", "column": "*", "function": "count",
            "windowMillis": 3600000, "n": 0}],
         "inputTypes": {}}],
       "labels": {"format": "parquet", "location": "/tmp/labels.parquet",
         "timestampColumn": "ts", "checksum": "sha256:00"},
       "availabilityGuard": false, "output": "/tmp/out", "rows": 20}
      """;

  @Test
  void aManifestEditedIntoOneTheRebuildCannotUseIsRefusedNamingTheField() throws IOException {
    // QA pass, session 13: a rebuild from such a manifest was a job that failed with "No value
    // present" (an unknown function or type) or a NullPointerException (no views)
    Path ok = Files.writeString(dir.resolve("ok.json"), MANIFEST);
    assertThat(TrainingSetManifest.read(ok).toRequest("/tmp/x").features()).hasSize(1);
    String[][] cases = {
      {
        "\"function\": \"count\"",
        "\"function\": \"median\"",
        "views[0].definitions[1].function: 'median' (expected: one of [count, sum,"
      },
      {
        "\"dtype\": \"INT64\"",
        "\"dtype\": \"INTEGER64\"",
        "views[0].definitions[1].dtype: 'INTEGER64' is not a feature type"
      },
      {
        "\"type\": \"STRING\"",
        "\"type\": \"TEXT\"",
        "views[0].joinKeys[0].type: 'TEXT' is not a feature type"
      },
      {"\"ttlMillis\": 7200000", "\"ttlMillis\": -5", "views[0] (default.user_txn:v1): ttl"},
      {
        "\"last_amount\", \"txn_count_1h\"]",
        "\"last_amount\", \"nope\"]",
        "views[0].features: 'nope' is not in views[0].definitions"
      },
      {
        "\"windowMillis\": 3600000,",
        "",
        "views[0].definitions[1].windowMillis: missing (expected: the window of count)"
      },
      {"\"table\": \"default.user_txn_v1\",", "", "views[0].table: missing"},
      // a rebuild of this manifest read the newest snapshot of default.user_txn_v1, unpinned
      {
        "\"table\": \"default.user_txn_v1\"",
        "\"table\": \"default.nope_v1\"",
        "views[0].table: 'default.nope_v1' (expected: default.user_txn_v1, the offline table of"
            + " default.user_txn:v1)"
      },
    };
    for (String[] c : cases) {
      assertThat(MANIFEST).contains(c[0]);
      Path f = Files.writeString(dir.resolve("edited.json"), MANIFEST.replace(c[0], c[1]));
      assertThatThrownBy(() -> TrainingSetManifest.read(f))
          .as(c[2])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("manifest: '" + f + "': " + c[2]);
    }
    int views = MANIFEST.indexOf("\"views\"");
    int labels = MANIFEST.indexOf("\"labels\"");
    for (String noViews : List.of("\"views\": [],", "\"views\": null,", "")) {
      Path f =
          Files.writeString(
              dir.resolve("no-views.json"),
              MANIFEST.substring(0, views) + noViews + MANIFEST.substring(labels));
      assertThatThrownBy(() -> TrainingSetManifest.read(f))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "manifest: '"
                  + f
                  + "': views: none (expected: the views the export read, as the export wrote"
                  + " them)");
    }
  }

  @Test
  void pagesEndWhereTheFooterStarts() throws IOException {
    Path a = write("a.parquet", rows(500, 0), "one");
    Path b = write("b.parquet", rows(500, 0), "another, longer footer value");
    Path c = write("c.parquet", rows(500, 1), "one");

    byte[] fa = Files.readAllBytes(a);
    byte[] fb = Files.readAllBytes(b);
    assertThat(fa).isNotEqualTo(fb); // the footers differ
    assertThat(TrainingSetManifest.pagesLength(a)).isEqualTo(referencePages(fa));
    assertThat(TrainingSetManifest.pagesLength(b)).isEqualTo(referencePages(fb));
    assertThat(pages(a)).isEqualTo(pages(b)); // same rows, same pages
    assertThat(pages(a)).isNotEqualTo(pages(c)); // one value changed
    assertThat(pages(a)).startsWith((byte) 'P', (byte) 'A', (byte) 'R', (byte) '1');
  }

  /**
   * The manifest's four digests (each part's file and pages, the files and the pages of all parts
   * in order), computed from shared, cloned states, equal plain SHA-256 over the bytes: parts
   * larger than the read buffer, footers of different lengths, one part, none.
   */
  @Test
  void digestsAreSha256OfEachPartAndOfAllPartsInOrder() throws Exception {
    Path a = write("part-00000.parquet", rows(40_000, 0), "one");
    Path b = write("part-00001.parquet", rows(30_000, 1), "another, longer footer value");
    Path c = write("part-00002.parquet", rows(7, 2), "x");
    for (List<Path> files : List.of(List.of(a, b, c), List.of(b), List.<Path>of())) {
      java.security.MessageDigest all = java.security.MessageDigest.getInstance("SHA-256");
      java.security.MessageDigest allData = java.security.MessageDigest.getInstance("SHA-256");
      List<TrainingSetManifest.PartEntry> parts = new ArrayList<>();
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        all.update(bytes);
        allData.update(pages(f));
        parts.add(
            new TrainingSetManifest.PartEntry(
                f.getFileName().toString(),
                TrainingSetFiles.rowCount(f),
                sha256(bytes),
                sha256(pages(f))));
      }
      TrainingSetManifest.Digests d = TrainingSetManifest.digests(files);
      assertThat(d.parts()).isEqualTo(parts);
      assertThat(d.rows()).isEqualTo(files.isEmpty() ? 0 : files.size() == 1 ? 30_000 : 70_007);
      assertThat(d.checksum()).isEqualTo(hex(all.digest()));
      assertThat(d.dataChecksum()).isEqualTo(hex(allData.digest()));
    }
    assertThat(pages(a).length).isGreaterThan(1 << 16); // more than one read of the buffer
  }

  private static String sha256(byte[] bytes) throws Exception {
    return hex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static String hex(byte[] digest) {
    return "sha256:" + java.util.HexFormat.of().formatHex(digest);
  }

  @Test
  void notParquetIsRefusedWithTheReason() throws IOException {
    Path f = dir.resolve("x.parquet");
    Files.writeString(f, "this is not a parquet file");
    assertThatThrownBy(() -> TrainingSetManifest.pagesLength(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a Parquet file");
  }

  private static long referencePages(byte[] file) {
    int footer = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return file.length - 8L - footer;
  }

  private static byte[] pages(Path p) throws IOException {
    byte[] f = Files.readAllBytes(p);
    return Arrays.copyOf(f, (int) referencePages(f));
  }

  private static List<Record> rows(int n, int changed) {
    List<Record> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      GenericRecord r = GenericRecord.create(SCHEMA);
      r.setField("user_id", "user_" + (i % 37));
      r.setField("v", (long) i * 31 + (i == n / 2 ? changed : 0));
      out.add(r);
    }
    return out;
  }

  private Path write(String name, List<Record> rows, String meta) throws IOException {
    Path p = dir.resolve(name);
    try (FileAppender<Record> w =
        Parquet.write(org.apache.iceberg.Files.localOutput(p.toFile()))
            .schema(SCHEMA)
            .createWriterFunc(GenericParquetWriter::create)
            .meta("quiver.test", meta)
            .overwrite()
            .build()) {
      w.addAll(rows);
    }
    return p;
  }
}
