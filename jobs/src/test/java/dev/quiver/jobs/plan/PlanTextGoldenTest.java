package dev.quiver.jobs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.jobs.testing.Transactions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the SQL that {@code quiver plan} prints and the streaming job runs, byte for byte, for every
 * view of {@code examples/} (declarative, SQL transformation, tumbling-window transformation) and
 * the tests' transactions view ({@code user_txn}): a refactor of the planner must not change the
 * text. After a deliberate change to the SQL, regenerate with {@code
 * -Dquiver.plan.golden.update=true} and review the diff of {@code src/test/resources/plans/}.
 */
class PlanTextGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/plans");

  private static final PlannerSettings SETTINGS =
      new PlannerSettings(
          true,
          true,
          Map.of("store.online.type", "embedded"),
          "quiver_offline",
          catalogProperties());

  /** In a fixed order (a {@code Map.of}'s differs from one JVM to the next). */
  private static Map<String, String> catalogProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("type", "iceberg");
    p.put("catalog-type", "hadoop");
    p.put("warehouse", "file:/tmp/w");
    return p;
  }

  @Test
  void planTextIsUnchanged() throws Exception {
    Map<String, String> plans = plans();
    assertThat(plans).hasSizeGreaterThanOrEqualTo(7);
    boolean update = Boolean.getBoolean("quiver.plan.golden.update");
    for (Map.Entry<String, String> e : plans.entrySet()) {
      Path file = GOLDEN.resolve(e.getKey() + ".sql");
      if (update) {
        Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
      }
      assertThat(e.getValue())
          .as("plan text of %s (golden %s)", e.getKey(), file)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }
  }

  /**
   * A backfill asks for the plan's projection and tiles insert over other tables (the events of the
   * enclosing tiles): the same statements, naming those tables where the plan's name its own.
   */
  @Test
  void theProjectionAndTilesInsertTakeTheirTableNames() {
    JobPlanner planner = new JobPlanner(SETTINGS);
    int withTiles = 0;
    for (Map.Entry<FeatureView, List<JoinKey>> e : views().entrySet()) {
      FeatureView view = e.getKey();
      List<JoinKey> keys = e.getValue();
      MaterializationPlan plan = planner.plan(view, keys);
      String projection = plan.views().get(0);
      assertThat(JobPlanner.projection(view, keys, JobPlanner.EVENTS, JobPlanner.PROJECTED))
          .isEqualTo(projection);
      assertThat(JobPlanner.projection(view, keys, "events_tiles", "projected_tiles"))
          .isEqualTo(
              projection
                  .replace("VIEW `projected` AS", "VIEW `projected_tiles` AS")
                  .replace("\nFROM `events`", "\nFROM `events_tiles`"));
      if (!view.online() || JobPlanner.series(view).isEmpty()) {
        continue;
      }
      withTiles++;
      String tiles = JobPlanner.tilesInsert(view, keys, JobPlanner.PROJECTED);
      assertThat(plan.inserts()).contains(tiles);
      assertThat(JobPlanner.tilesInsert(view, keys, "projected_tiles"))
          .isEqualTo(tiles.replace(" FROM `projected`", " FROM `projected_tiles`"));
    }
    assertThat(withTiles).isPositive();
  }

  private static Map<FeatureView, List<JoinKey>> views() {
    Map<FeatureView, List<JoinKey>> out = new LinkedHashMap<>();
    var bundle = SpecParser.parsePath(Path.of("..", "examples")).bundle();
    for (FeatureView view : bundle.views()) {
      List<JoinKey> keys = new ArrayList<>();
      for (String name : view.entities()) {
        keys.addAll(
            bundle.entities().stream()
                .filter(en -> en.name().equals(name))
                .findFirst()
                .orElse(Entity.implicit(view.namespace(), name))
                .joinKeys());
      }
      out.put(view, keys);
    }
    out.put(Transactions.view("transactions", true, true), Transactions.keys());
    return out;
  }

  private static Map<String, String> plans() {
    Map<String, String> out = new LinkedHashMap<>();
    JobPlanner planner = new JobPlanner(SETTINGS);
    views()
        .forEach(
            (view, keys) ->
                out.put(view.name() + "_" + view.version(), planner.plan(view, keys).sqlText()));
    return out;
  }
}
