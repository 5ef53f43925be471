package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.SpecParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink SQL over the Quiver catalog in a real TableEnvironment (planner loader, local execution),
 * on the real embedded registry in a temporary directory. The catalog is created with {@code CREATE
 * CATALOG ... WITH ('type'='quiver')}, so factory discovery is part of the test.
 */
class QuiverCatalogITCase {
  @TempDir static Path dir;

  static TableEnvironment env;
  static FeatureRegistry registry;

  static final String SPECS =
      """
      kind: entity
      namespace: ml
      name: user
      join_keys: [{name: user_id, type: STRING}]
      ---
      kind: kafka
      namespace: ml
      name: clicks
      schema:
        - {name: user_id, type: STRING}
        - {name: page, type: STRING}
        - {name: dwell_ms, type: BIGINT}
        - {name: event_time, type: TIMESTAMP}
      event_time_field: event_time
      watermark_delay: 5s
      options: {topic: clicks, format: json}
      ---
      name: user_clicks
      namespace: ml
      version: v1
      description: Clicks per user.
      entities: [user]
      source: clicks
      ttl: 7d
      features:
        - name: clicks_1h
          aggregation: {column: '*', function: count, window: 1h}
        - name: last_page
          dtype: STRING
          expr: page
      owner: growth-team@example.com
      tags: {domain: web}
      """;

  @BeforeAll
  static void setUp() {
    env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    env.executeSql(
        "CREATE CATALOG q WITH ('type'='quiver', 'registry.type'='embedded', 'registry.path'='"
            + dir.resolve("registry")
            + "', 'actor'='it-case')");
    env.useCatalog("q");
    Catalog catalog = env.getCatalog("q").orElseThrow();
    registry = ((QuiverCatalog) catalog).registry();
    registry.apply(SpecParser.parse(SPECS, "specs.yaml").bundle(), "it-case", false);
  }

  @AfterAll
  static void tearDown() {
    env.executeSql("USE CATALOG default_catalog");
    env.executeSql("DROP CATALOG q");
  }

  static List<Row> rows(String sql) {
    TableResult r = env.executeSql(sql);
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = r.collect()) {
      it.forEachRemaining(out::add);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  static List<String> column(String sql, int i) {
    return rows(sql).stream().map(r -> String.valueOf(r.getField(i))).toList();
  }

  static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  @Test
  void showDatabasesListsNamespaces() {
    assertThat(column("SHOW DATABASES", 0)).contains("default", "ml");
  }

  @Test
  void showTablesListsViewsAndPinnedVersions() {
    assertThat(column("SHOW TABLES FROM ml", 0))
        .contains("user_clicks", "user_clicks$v1", "user_clicks$v1.0");
  }

  @Test
  void describeShowsJoinKeysEventTimeFeaturesAndPrimaryKey() {
    List<Row> rows = rows("DESCRIBE ml.user_clicks");
    assertThat(rows.stream().map(r -> r.getField(0) + " " + r.getField(1)).toList())
        .containsExactly(
            "user_id STRING",
            "event_time TIMESTAMP_LTZ(3)",
            "clicks_1h BIGINT",
            "last_page STRING");
    Row key = rows.get(0);
    assertThat(key.getField(2)).isEqualTo(false); // NOT NULL
    assertThat(String.valueOf(key.getField(3))).isEqualTo("PRI(user_id)");
    assertThat(String.valueOf(rows.get(1).getField(6)))
        .contains("v1", "owner growth-team@example.com", "ttl 7d");
  }

  @Test
  void showCreateTableShowsVersionOwnerAndTtl() {
    String ddl = column("SHOW CREATE TABLE ml.user_clicks", 0).get(0);
    assertThat(ddl)
        .contains("CREATE TABLE `q`.`ml`.`user_clicks`")
        .contains("PRIMARY KEY (`user_id`) NOT ENFORCED")
        .contains("'connector' = 'quiver'")
        .contains("'quiver.version' = 'v1'")
        .contains("'quiver.owner' = 'growth-team@example.com'")
        .contains("'quiver.ttl' = '7d'")
        .contains("'quiver.status' = 'ACTIVE'")
        .contains("'quiver.entities' = 'user'")
        .contains("'quiver.tags.domain' = 'web'")
        .contains("'quiver.feature.clicks_1h.aggregation' = 'count(*) over 1h'");
  }

  @Test
  void createTableRegistersAVersionVisibleThroughTheRegistry() {
    env.executeSql(
        """
        CREATE TABLE ml.user_dwell (
          user_id STRING,
          dwell_1h BIGINT COMMENT 'Dwell time in the last hour',
          PRIMARY KEY (user_id) NOT ENFORCED
        ) COMMENT 'Dwell per user' WITH (
          'quiver.entities' = 'user',
          'quiver.source' = 'clicks',
          'quiver.ttl' = '2d',
          'quiver.owner' = 'sql-user@example.com',
          'quiver.version' = 'v1',
          'quiver.tags.team' = 'growth',
          'quiver.feature.dwell_1h.aggregation' = 'sum(dwell_ms) over 1h'
        )""");
    ViewRecord r = registry.getView("ml", "user_dwell", "latest");
    assertThat(r.version().toString()).isEqualTo("v1");
    assertThat(r.createdBy()).isEqualTo("it-case");
    assertThat(r.view().owner()).isEqualTo("sql-user@example.com");
    assertThat(r.view().ttl()).isEqualTo(Duration.ofDays(2));
    assertThat(r.view().tags()).containsEntry("team", "growth");
    assertThat(r.view().source().name()).isEqualTo("clicks");
    assertThat(r.view().feature("dwell_1h").orElseThrow().dtype()).isEqualTo(FeatureType.INT64);
    assertThat(r.view().feature("dwell_1h").orElseThrow().aggregation().column())
        .isEqualTo("dwell_ms");
    assertThat(column("SHOW TABLES FROM ml", 0)).contains("user_dwell", "user_dwell$v1.0");
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "CREATE TABLE ml.user_dwell (user_id STRING, x BIGINT, PRIMARY KEY (user_id)"
                        + " NOT ENFORCED) WITH ('quiver.entities'='user', 'quiver.ttl'='1d')"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("ml.user_dwell already exists"));
  }

  @Test
  void anUnknownViewOrVersionGetsADidYouMean() {
    // Flink said only "Tables or views with the identifier 'q.ml.user_click' doesn't exist"
    assertThatThrownBy(() -> env.executeSql("DESCRIBE ml.user_click"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("no feature view 'user_click' in namespace 'ml'")
                    .contains("did you mean 'user_clicks'?"));
    assertThatThrownBy(() -> env.executeSql("SELECT * FROM ml.user_click"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("did you mean 'user_clicks'?"));
    assertThatThrownBy(() -> env.executeSql("DESCRIBE ml.`user_clicks$v9`"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("feature view ml.user_clicks has no readable version 'v9'")
                    .contains("user_clicks$v1"));
    // a view in another namespace is named
    assertThatThrownBy(() -> env.executeSql("DESCRIBE `default`.user_clicks"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("ml.user_clicks"));
    // a new view whose name is close to an existing one is still created
    env.executeSql(
        "CREATE TABLE ml.user_click (user_id STRING, last_page STRING, PRIMARY KEY (user_id) NOT"
            + " ENFORCED) WITH ('quiver.entities'='user', 'quiver.source'='clicks',"
            + " 'quiver.ttl'='1d', 'quiver.feature.last_page.expression'='page')");
    assertThat(column("DESCRIBE ml.user_click", 0)).contains("last_page");
    // and Flink's own "does not exist" stays for a name that is nothing like a view
    assertThatThrownBy(() -> env.executeSql("DESCRIBE ml.zzzz"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("doesn't exist"));
  }

  @Test
  void aColumnTypeThatDisagreesWithItsAggregationNamesTheSqlType() {
    // the fix named only the spec's dtype (INT64), not the column type to declare in SQL
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "CREATE TABLE ml.dwell_sum (user_id STRING, dwell_1h DOUBLE, PRIMARY KEY"
                        + " (user_id) NOT ENFORCED) WITH ('quiver.entities'='user',"
                        + " 'quiver.source'='clicks', 'quiver.ttl'='1d',"
                        + " 'quiver.feature.dwell_1h.aggregation'='sum(dwell_ms) over 1h')"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains(
                        "column 'dwell_1h': 'DOUBLE' does not match sum over dwell_ms (BIGINT),"
                            + " which is BIGINT; declare the column as BIGINT")
                    .doesNotContain("dtype", "INT64", "features["));
  }

  @Test
  void createTableReportsEveryProblemAtOnceInSqlWords() {
    // before: a reader problem (the ttl, a column type) hid the spec validator's, one at a time,
    // and the validator's named spec fields and spelling (ttl_seconds, features[0].dtype, INT64,
    // "write dtype: ..., or convert with expr: ...")
    assertThatThrownBy(
            () ->
                env.executeSql(
                    """
                    CREATE TABLE ml.many_problems (
                      user_id STRING,
                      dwell_1h DOUBLE,
                      n TINYINT,
                      dwell_ms INT,
                      clicks_2d BIGINT,
                      PRIMARY KEY (user_id) NOT ENFORCED
                    ) WITH (
                      'quiver.entities' = 'user',
                      'quiver.source' = 'clicks',
                      'quiver.ttl' = '0s',
                      'quiver.feature.dwell_1h.aggregation' = 'sum(dwell_ms) over 1h',
                      'quiver.feature.clicks_2d.aggregation' = 'count(*) over 2d'
                    )"""))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .isEqualTo(
                        "Invalid feature view ml.many_problems (4 problems):"
                            + "\n  column 'n': type TINYINT is not a feature type; use INT. Types:"
                            + " BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, STRING, BYTES, TIMESTAMP_LTZ(3)"
                            + " and ARRAY<…> of these"
                            + "\n  option 'quiver.ttl': '0s' (expected: > 0); how long a feature"
                            + " value stays valid, e.g. '7d'"
                            + "\n  column 'dwell_1h': 'DOUBLE' does not match sum over dwell_ms"
                            + " (BIGINT), which is BIGINT; declare the column as BIGINT"
                            + "\n  column 'dwell_ms': 'INT' but source column 'dwell_ms' is BIGINT;"
                            + " declare the column as BIGINT, or convert with"
                            + " 'quiver.feature.dwell_ms.expression'='CAST(dwell_ms AS INT)'"));
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "CREATE TABLE ml.long_window (user_id STRING, clicks_2d BIGINT, PRIMARY KEY"
                        + " (user_id) NOT ENFORCED) WITH ('quiver.entities'='user',"
                        + " 'quiver.source'='clicks', 'quiver.ttl'='1d',"
                        + " 'quiver.feature.clicks_2d.aggregation'='count(*) over 2d')"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains(
                        "option 'quiver.feature.clicks_2d.aggregation': 2d is longer than the ttl"
                            + " 1d; raise ttl to at least 2d ('quiver.ttl'='2d'), or drop the 2d"
                            + " window"));
    assertThat(registry.findView("ml", "many_problems", "latest")).isEmpty();
  }

  @Test
  void addingAComputedFeatureWithAlterTableSaysHow() {
    // Flink's ALTER TABLE ADD takes no options, and SET refused the options of a column not added
    // yet: both errors now name the way that works
    String how = "quiver describe ml.user_clicks -o yaml";
    assertThatThrownBy(() -> env.executeSql("ALTER TABLE ml.user_clicks ADD (clicks_1d BIGINT)"))
        .satisfies(e -> assertThat(rootMessage(e)).contains(how));
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "ALTER TABLE ml.user_clicks SET"
                        + " ('quiver.feature.clicks_1d.aggregation'='count(*) over 1d')"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("no column 'clicks_1d'", how));
  }

  @Test
  void selectFromAViewTableSaysWhereItsRowsAre() {
    // the table is the view's definition; Flink's "could not find any factory for 'quiver'" with
    // a list of connectors told a data scientist nothing
    assertThatThrownBy(() -> env.executeSql("SELECT * FROM ml.user_clicks"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("ml.user_clicks is feature view ml.user_clicks v1")
                    .contains("SELECT * FROM ml.`user_clicks$offline`")
                    .doesNotContain("Could not find any factory"));
    assertThatThrownBy(() -> env.executeSql("SELECT * FROM ml.`user_clicks$v1`"))
        .satisfies(
            e -> assertThat(rootMessage(e)).contains("SELECT * FROM ml.`user_clicks$v1$offline`"));
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "INSERT INTO ml.user_clicks SELECT 'u', CAST(NULL AS TIMESTAMP_LTZ(3)),"
                        + " CAST(1 AS BIGINT), 'p'"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("its rows are written by"));
  }

  @Test
  void forSystemTimeAsOfSaysHowToReadTheOfflineTableAsOfThatTime() {
    assertThatThrownBy(
            () ->
                env.executeSql(
                    "SELECT * FROM ml.user_clicks FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-01"
                        + " 00:00:00'"))
        .hasStackTraceContaining("FOR SYSTEM_TIME AS OF on ")
        // the instant the literal meant in the session's zone, as `$offline` reads it (was millis)
        .hasStackTraceContaining(
            "FROM `user_clicks$v1$offline` /*+ OPTIONS('as-of-timestamp'='"
                + java.time.LocalDateTime.parse("2026-11-01T00:00:00")
                    .atZone(env.getConfig().getLocalTimeZone())
                    .toInstant()
                + "') */");
  }

  @Test
  void createTableWithABadSpecNamesTheField() {
    assertThatThrownBy(
            () ->
                env.executeSql(
                    """
                    CREATE TABLE ml.bad_view (
                      user_id STRING,
                      amount DECIMAL(10, 2),
                      PRIMARY KEY (user_id) NOT ENFORCED
                    ) WITH (
                      'quiver.entities' = 'user',
                      'quiver.source' = 'clicks',
                      'quiver.tll' = '7d'
                    )"""))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("option 'quiver.tll': unknown option; did you mean 'quiver.ttl'?")
                    .contains("column 'amount': type DECIMAL(10, 2) is not a feature type")
                    .contains("option 'quiver.ttl': missing"));
    // A semantic rule of the spec validator, reported against the column it concerns.
    assertThatThrownBy(
            () ->
                env.executeSql(
                    """
                    CREATE TABLE ml.bad_agg (
                      user_id STRING,
                      total BIGINT,
                      PRIMARY KEY (user_id) NOT ENFORCED
                    ) WITH (
                      'quiver.entities' = 'user',
                      'quiver.source' = 'clicks',
                      'quiver.ttl' = '7d',
                      'quiver.feature.total.aggregation' = 'sum(no_such_column) over 1h'
                    )"""))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains(
                        "option 'quiver.feature.total.aggregation': 'no_such_column' is not a"
                            + " column of source 'clicks'"));
    assertThat(registry.findView("ml", "bad_view", "latest")).isEmpty();
    assertThat(registry.findView("ml", "bad_agg", "latest")).isEmpty();
  }

  @Test
  void pinnedNamesKeepTheirSchemaWhenTheViewMoves() {
    env.executeSql(
        "CREATE TABLE ml.pages (user_id STRING, last_page STRING, PRIMARY KEY (user_id) NOT"
            + " ENFORCED) WITH ('quiver.entities'='user', 'quiver.source'='clicks',"
            + " 'quiver.ttl'='1d', 'quiver.owner'='a@example.com',"
            + " 'quiver.feature.last_page.expression'='page')");
    // A compatible change: a new revision under v1.
    env.executeSql("ALTER TABLE ml.pages ADD (dwell_ms BIGINT)");
    assertThat(registry.getView("ml", "pages", "latest").version().toString()).isEqualTo("v1.1");
    assertThat(column("DESCRIBE ml.`pages$v1.0`", 0))
        .containsExactly("user_id", "event_time", "last_page");
    assertThat(column("DESCRIBE ml.`pages$v1`", 0))
        .containsExactly("user_id", "event_time", "last_page", "dwell_ms");
    // A breaking change under the same major is refused, naming the change.
    assertThatThrownBy(() -> env.executeSql("ALTER TABLE ml.pages DROP last_page"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("ALTER TABLE ml.pages: ", "removed feature last_page")
                    // the fix in SQL terms, not only the YAML's "bump version to v2"
                    .contains("CREATE TABLE ml.`pages$v2` (...)", "`pages$v1` keeps major 1"));
    // ... and allowed as a new major, created under its pinned name.
    env.executeSql(
        "CREATE TABLE ml.`pages$v2` (user_id STRING, dwell_ms BIGINT, PRIMARY KEY (user_id) NOT"
            + " ENFORCED) WITH ('quiver.entities'='user', 'quiver.source'='clicks',"
            + " 'quiver.ttl'='1d', 'quiver.owner'='a@example.com')");
    assertThat(column("DESCRIBE ml.pages", 0)).containsExactly("user_id", "event_time", "dwell_ms");
    assertThat(column("DESCRIBE ml.`pages$v1`", 0))
        .containsExactly("user_id", "event_time", "last_page", "dwell_ms");
    assertThat(column("SHOW TABLES FROM ml", 0))
        .contains("pages", "pages$v1", "pages$v1.0", "pages$v1.1", "pages$v2", "pages$v2.0");
  }

  @Test
  void dropTableIsRefusedWithTheLifecycleCommand() {
    assertThatThrownBy(() -> env.executeSql("DROP TABLE ml.user_clicks"))
        .satisfies(e -> assertThat(rootMessage(e)).contains("quiver deprecate ml.user_clicks"));
    assertThat(column("SHOW TABLES FROM ml", 0)).contains("user_clicks");
  }

  @Test
  void unknownCatalogOptionsAreRejected() {
    assertThatThrownBy(
            () -> env.executeSql("CREATE CATALOG bad WITH ('type'='quiver', 'registry.tpye'='x')"))
        .satisfies(
            e ->
                assertThat(rootMessage(e))
                    .contains("Unsupported options")
                    .contains("registry.tpye")
                    .contains("registry.type"));
  }
}
