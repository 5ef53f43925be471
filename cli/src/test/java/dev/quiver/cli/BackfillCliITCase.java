package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.TrainingSetFiles;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver backfill --online} from the CLI, in-process, over the real embedded registry,
 * Iceberg warehouse and embedded online store: a backfill from Parquet raw events writes the
 * configured online store through the OnlineStore SPI, and every user's newest page is then served.
 */
class BackfillCliITCase extends CliTestSupport {
  @Test
  void backfillOnlineWritesTheConfiguredOnlineStore() throws Exception {
    assertThat(run("apply", dir.resolve("base.yaml").toString()).code()).isZero();
    Path v1 = spec("v1.yaml", view("v1", "a@example.com", "last_page"));
    Run applied = run("apply", v1.toString());
    assertThat(applied.code()).as(applied.err()).isZero();

    Schema raw = CLICKS_RAW;
    long base = Instant.now().minus(Duration.ofHours(6)).toEpochMilli();
    Random rnd = new Random(9);
    List<Record> events = new ArrayList<>();
    Map<String, long[]> newest = new HashMap<>();
    Map<String, String> newestPage = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      String user = "u" + rnd.nextInt(5);
      String page = "/p" + rnd.nextInt(40);
      long ts = base + rnd.nextInt(3_600_000) * 4L + i % 4; // distinct per user in practice
      GenericRecord r = GenericRecord.create(raw);
      r.setField("user_id", user);
      r.setField("page", page);
      r.setField("dwell_ms", (long) rnd.nextInt(10_000));
      r.setField("event_time", OfflineWriter.timestamptz(ts));
      events.add(r);
      if (!newest.containsKey(user) || newest.get(user)[0] < ts) {
        newest.put(user, new long[] {ts});
        newestPage.put(user, page);
      }
    }
    Path history = dir.resolve("history");
    TrainingSetFiles.write(raw, history.resolve("clicks.parquet"), events);

    Path online = dir.resolve("online");
    Run bf =
        run(
            "--set",
            "online.type=embedded",
            "--set",
            "online.embedded.path=" + online,
            "--set",
            "offline.warehouse=" + dir.resolve("warehouse"),
            "--set",
            "offline.backfill.online-rate=1000",
            "backfill",
            "user_pages",
            "--from",
            Instant.ofEpochMilli(base - 1).toString(),
            "--to",
            Instant.now().plusSeconds(60).toString(),
            "--source",
            history.toString(),
            "--online");
    assertThat(bf.code()).as(bf.out() + bf.err()).isZero();
    assertThat(bf.out()).contains("online_rows", "300", "snapshot_id");

    FeatureView view;
    try (FeatureRegistry registry =
        FeatureRegistries.open(
            CliEnvironment.load(null, List.of("quiver.data-dir=" + dir.resolve("data")))
                .config())) {
      view = registry.getView("default", "user_pages", "latest").view();
    }
    try (OnlineStore store =
        OnlineStores.open(
            QuiverConfig.of(
                Map.of("online.type", "embedded", "online.embedded.path", online.toString())))) {
      List<String> users = List.copyOf(newestPage.keySet());
      List<byte[]> keys = new ArrayList<>();
      for (String u : users) {
        keys.add(
            EntityKeyCodec.encode(List.of(new JoinKey("user_id", FeatureType.STRING)), List.of(u)));
      }
      List<EntityFeatures> got =
          new FeatureReader(store, Clock.systemUTC())
              .read(view, List.of("last_page"), keys, null)
              .get();
      for (int i = 0; i < users.size(); i++) {
        FeatureValue v = got.get(i).features().get("last_page");
        assertThat(v).as(users.get(i)).isNotNull();
        assertThat(v.value()).as(users.get(i)).isEqualTo(newestPage.get(users.get(i)));
      }
    }
  }
}
