package dev.quiver.jobs;

import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.plan.MaterializationPlan;
import java.util.stream.Collectors;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;

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
    refuseTextCasts(tEnv, plan);
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

  /**
   * Refuses a row feature whose expression yields text while its dtype is not STRING: the job casts
   * each value to the dtype, and Flink's CAST of text that is not a number (or a time, a boolean)
   * throws at run time, which fails the job on the first such event and, once its restarts are
   * spent, for good (seen in the QA pass: {@code expr: country, dtype: INT64} ended with {@code
   * NumberFormatException: For input string: 'IN'}). An explicit {@code TRY_CAST} or {@code CAST}
   * in the expression is the author's choice and passes. One planner call per row feature with an
   * expression, when the job is built.
   */
  static void refuseTextCasts(StreamTableEnvironment tEnv, MaterializationPlan plan) {
    FeatureView view = plan.view();
    if (!view.transformations().isEmpty()) {
      return;
    }
    for (Feature f : view.features()) {
      if (f.isAggregation()
          || f.expression() == null
          || f.expression().isBlank()
          || f.dtype().equals(FeatureType.STRING)) {
        continue;
      }
      LogicalType type;
      try {
        type =
            tEnv.sqlQuery("SELECT " + f.expression() + " FROM `" + plan.eventsTable() + "`")
                .getResolvedSchema()
                .getColumnDataTypes()
                .get(0)
                .getLogicalType();
      } catch (RuntimeException e) { // not valid on its own: createViews reports it
        continue;
      }
      if (type.is(LogicalTypeFamily.CHARACTER_STRING)) {
        String sqlType = f.dtype().flinkSqlType();
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + ".expr: '"
                + f.expression()
                + "' is text (STRING) and dtype is "
                + f.dtype()
                + ": the job would cast every value, and one that does not convert to "
                + f.dtype()
                + " fails the job; convert it in the expression, TRY_CAST("
                + f.expression()
                + " AS "
                + sqlType
                + ") (null when it does not convert), or declare dtype: STRING");
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
