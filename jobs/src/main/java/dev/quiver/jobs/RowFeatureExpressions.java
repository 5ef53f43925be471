package dev.quiver.jobs;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.plan.MaterializationPlan;
import java.util.stream.Collectors;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Registers a plan's views and, when Flink refuses one, names the row feature whose {@code expr} is
 * at fault. A row feature's {@code expr} is Flink SQL that the spec validator (Flink-free) cannot
 * parse, so a typo in it first shows when the job is built; without this, the error is Flink's
 * parser or validator message about a line of the generated SQL that the author never wrote.
 * Checking each expression on its own costs a planner call per row feature, so it runs only when
 * the generated view fails.
 */
final class RowFeatureExpressions {
  private RowFeatureExpressions() {}

  /**
   * Executes {@code plan.views()} on {@code tEnv}, whose events table is registered.
   *
   * @throws IllegalArgumentException naming {@code features.<name>.expr}, when a row feature's
   *     expression does not parse or does not validate over the source's columns
   */
  static void createViews(StreamTableEnvironment tEnv, MaterializationPlan plan) {
    for (String statement : plan.views()) {
      try {
        tEnv.executeSql(statement);
      } catch (
          RuntimeException e) { // SqlParserException, ValidationException, CalciteContextException
        IllegalArgumentException named = explain(tEnv, plan);
        if (named == null) {
          throw e;
        }
        named.addSuppressed(e);
        throw named;
      }
    }
  }

  /** The first row feature whose expression Flink refuses on its own, or null. */
  static IllegalArgumentException explain(StreamTableEnvironment tEnv, MaterializationPlan plan) {
    FeatureView view = plan.view();
    if (!view.transformations().isEmpty()) {
      return null; // expressions read the transformation's outputs, checked with the transformation
    }
    for (Feature f : view.features()) {
      if (f.isAggregation() || f.expression() == null || f.expression().isBlank()) {
        continue;
      }
      String type = f.dtype().flinkSqlType();
      try {
        tEnv.sqlQuery(
            "SELECT CAST("
                + f.expression()
                + " AS "
                + type
                + ") FROM `"
                + plan.eventsTable()
                + "`");
      } catch (
          RuntimeException e) { // SqlParserException, ValidationException, CalciteContextException
        return new IllegalArgumentException(
            "features."
                + f.name()
                + ".expr: '"
                + f.expression()
                + "' is not a Flink SQL expression of type "
                + f.dtype()
                + " over the columns of source "
                + view.source().name()
                + " ("
                + view.source().schema().stream()
                    .map(SourceField::name)
                    .collect(Collectors.joining(", "))
                + "): "
                + reason(e)
                + "; fix the expression (or its dtype) in the view's spec and apply it again");
      }
    }
    return null;
  }

  /** Flink's own explanation, without the position in a statement the author never wrote. */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause().getMessage() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? e.toString() : t.getMessage();
    String first = message.lines().findFirst().orElse(message).trim();
    return first
        .replaceAll("^(SQL (parse|validation) failed\\. )", "")
        .replaceAll("^From line \\d+, column \\d+ to line \\d+, column \\d+: ", "")
        .replaceAll(" at line \\d+, column \\d+\\.?$", "");
  }
}
