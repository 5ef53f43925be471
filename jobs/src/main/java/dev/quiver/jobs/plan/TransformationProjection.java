package dev.quiver.jobs.plan;

import static dev.quiver.jobs.plan.JobPlanner.OFFLINE_INPUT_PREFIX;
import static dev.quiver.jobs.plan.JobPlanner.q;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code projected} view of a feature view with a SQL {@code transformations} block: the user's
 * SELECT ({@link SqlTransformation}) rewritten over the {@code events} table, with the same columns
 * {@link JobPlanner} gives a declarative view, so every sink statement stays the same. Plain SQL:
 * it runs unchanged in batch mode.
 */
final class TransformationProjection {
  private TransformationProjection() {}

  /**
   * The projection of a view with a SQL {@code transformations} block (the subset {@link
   * SqlTransformation} accepts): the same columns as {@code JobPlanner}'s own projection, but each
   * row feature (and each join key the SELECT renames, e.g. the PRD's {@code user_id AS
   * entity_key}) is the user's select expression, and the user's WHERE filters the view's events.
   * Aggregation inputs still read the source columns (the transformation does not feed
   * aggregations). Plain SQL over {@code eventsTable}, defining the view {@code projectedView}: it
   * runs unchanged in batch mode.
   */
  static String projectedView(
      FeatureView view,
      List<JoinKey> keys,
      Map<String, FeatureType> inputs,
      String eventsTable,
      String projectedView) {
    if (view.transformations().size() > 1) {
      throw new IllegalArgumentException(
          "transformations: "
              + view.transformations().size()
              + " given (expected: one SELECT; merge them into one statement)");
    }
    Source source = view.source();
    SqlTransformation t = transformation(view);
    if (t.windowed()) {
      return windowedView(view, keys, t, eventsTable, projectedView);
    }
    List<String> select = new ArrayList<>();
    for (JoinKey k : keys) {
      boolean fromStar = t.star() && source.field(k.name()).isPresent();
      select.add(keySelectItem(k, keys, t, fromStar, ""));
    }
    for (String meta : List.of("_event_time", "_event_ms", "_seq", "_ingested_at")) {
      select.add(q(t.alias()) + "." + q(meta));
    }
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        continue;
      }
      String expr =
          f.expression() == null || f.expression().isBlank()
              ? null
              : SafeExpression.rewrite(f.expression());
      if (expr == null) {
        expr = t.output(f.name());
      }
      if (expr == null && t.star() && source.field(f.name()).isPresent()) {
        expr = q(f.name());
      }
      if (expr == null) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + ": not an output of transformations[0].code (expected: <expression> AS "
                + f.name()
                + " in its SELECT, or expr: on the feature)");
      }
      select.add("CAST(" + expr + " AS " + f.dtype().flinkSqlType() + ") AS " + q(f.name()));
    }
    inputs.forEach(
        (c, type) ->
            select.add(
                "CAST("
                    + q(t.alias())
                    + "."
                    + q(c)
                    + " AS "
                    + type.flinkSqlType()
                    + ") AS "
                    + q(OFFLINE_INPUT_PREFIX + c)));
    return "CREATE TEMPORARY VIEW "
        + q(projectedView)
        + " AS\n-- from transformations[0] of "
        + view.qualifiedName()
        + "\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM "
        + q(eventsTable)
        + " AS "
        + q(t.alias())
        + (t.where() == null ? "" : "\nWHERE " + t.where());
  }

  /** The parsed transformation of {@code view} (which has exactly one). */
  private static SqlTransformation transformation(FeatureView view) {
    return SqlTransformation.parse(view.transformations().get(0).code(), 0, view.source().name());
  }

  /**
   * Whether the view's events must carry an event-time attribute (with watermarks): true for a view
   * whose transformation is a tumbling-window aggregation. Its {@code events} table declares {@code
   * _event_time} as the rowtime, with the watermark {@code max event time − watermark delay −
   * allowed lateness} so that no event the gate accepted is late for a window.
   */
  static boolean needsRowtime(FeatureView view) {
    return view.transformations().size() == 1
        && view.source() != null
        && transformation(view).windowed();
  }

  /**
   * The projection of a tumbling-window transformation: one row per (entity, closed window), with
   * event time = the window's end (exclusive), {@code _seq} and {@code _ingested_at} the largest of
   * its events, and the features as the user's aggregate expressions. Windows are aligned to UTC
   * midnight / the epoch: the job runs with {@code table.local-time-zone} UTC (a batch run must
   * too).
   */
  private static String windowedView(
      FeatureView view,
      List<JoinKey> keys,
      SqlTransformation t,
      String eventsTable,
      String projectedView) {
    String eventTime = view.source().eventTimeField();
    String rowtime = q(t.alias()) + ".`_event_time`";
    for (Feature f : view.features()) {
      if (f.isAggregation() || (f.expression() != null && !f.expression().isBlank())) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + (f.isAggregation() ? ".aggregation" : ".expr")
                + ": not allowed with a GROUP BY transformation, whose rows are windows, not"
                + " events (expected: declare it in a separate view, or compute it in the"
                + " SELECT)");
      }
    }
    List<String> select = new ArrayList<>();
    for (JoinKey k : keys) {
      select.add(keySelectItem(k, keys, t, false, ", and in the GROUP BY"));
    }
    String endMs =
        "(MAX("
            + q(t.alias())
            + ".`_event_ms`) - MOD(MAX("
            + q(t.alias())
            + ".`_event_ms`), "
            + windowMillis(t.window())
            + ") + "
            + windowMillis(t.window())
            + ")";
    select.add("TO_TIMESTAMP_LTZ(" + endMs + ", 3) AS `_event_time`");
    select.add(endMs + " AS `_event_ms`");
    select.add("MAX(" + q(t.alias()) + ".`_seq`) AS `_seq`");
    select.add("MAX(" + q(t.alias()) + ".`_ingested_at`) AS `_ingested_at`");
    for (Feature f : view.features()) {
      String expr = t.output(f.name());
      if (expr == null) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + ": not an output of transformations[0].code (expected: <aggregate> AS "
                + f.name()
                + " in its SELECT)");
      }
      select.add(
          "CAST("
              + SqlTransformation.onRowtime(expr, eventTime, rowtime, 0)
              + " AS "
              + f.dtype().flinkSqlType()
              + ") AS "
              + q(f.name()));
    }
    List<String> group = new ArrayList<>();
    for (String g : t.groupBy()) {
      group.add(SqlTransformation.onRowtime(g, eventTime, rowtime, 0));
    }
    return "CREATE TEMPORARY VIEW "
        + q(projectedView)
        + " AS\n-- from transformations[0] of "
        + view.qualifiedName()
        + ": one row per entity and closed "
        + t.window()
        + " window, at the window's end\n-- (run with table.local-time-zone = UTC)\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM "
        + q(eventsTable)
        + " AS "
        + q(t.alias())
        + (t.where() == null ? "" : "\nWHERE " + t.where())
        + "\nGROUP BY "
        + String.join(", ", group);
  }

  /** Milliseconds of an {@code INTERVAL 'n' UNIT} literal. */
  static long windowMillis(String interval) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)INTERVAL '(\\d+)' (SECOND|MINUTE|HOUR|DAY)")
            .matcher(interval);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a window interval: " + interval);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
      case "SECOND" -> n * 1000L;
      case "MINUTE" -> n * 60_000L;
      case "HOUR" -> n * 3_600_000L;
      default -> n * 86_400_000L;
    };
  }

  /**
   * The select item of a join key: the SELECT's output of that name, else (one key) its {@code
   * entity_key} output, else the source column itself when {@code fromStar} ({@code SELECT *}),
   * cast to the key's type.
   *
   * @throws IllegalArgumentException naming {@code transformations[0].code} when none applies
   */
  private static String keySelectItem(
      JoinKey k, List<JoinKey> keys, SqlTransformation t, boolean fromStar, String alsoExpected) {
    String expr = t.output(k.name());
    if (expr == null && keys.size() == 1) {
      expr = t.output("entity_key");
    }
    if (expr == null && fromStar) {
      expr = q(k.name());
    }
    if (expr == null) {
      throw new IllegalArgumentException(
          "transformations[0].code: the SELECT does not output the join key '"
              + k.name()
              + "' (expected: "
              + k.name()
              + (keys.size() == 1 ? " or <expr> AS entity_key" : "")
              + " among the select items"
              + alsoExpected
              + ")");
    }
    return "CAST(" + expr + " AS " + k.type().flinkSqlType() + ") AS " + q(k.name());
  }
}
