package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;

import dev.quiver.core.spec.FeatureType.Scalar;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Rules for a view's features: names, row-feature columns and types, window aggregations. */
final class FeatureRules {
  static final int MAX_LAST_N = 1000;

  private FeatureRules() {}

  static void check(FeatureView v, List<SpecProblem> out) {
    if (v.features().isEmpty()) {
      out.add(
          problem(
              "features",
              "[] (expected: at least one feature)",
              "declare a feature, e.g. {name: amount_usd, dtype: FLOAT64}"));
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < v.features().size(); i++) {
      Feature f = v.features().get(i);
      String path = "features[" + i + "]";
      if (!Names.valid(f.name())) {
        Names.check(f.name(), path + ".name", "feature", out);
      }
      Integer first = seen.putIfAbsent(f.name(), i);
      if (first != null) {
        out.add(
            problem(
                path + ".name",
                "duplicate feature name '" + f.name() + "' (also features[" + first + "])",
                "rename one of them; names are unique within a view"));
      }
      if (f.isAggregation()) {
        if (f.expression() != null) {
          out.add(
              problem(
                  path + ".expr",
                  "given together with aggregation",
                  "a feature is either a row feature (expr) or a window aggregation; split it in two"));
        }
        aggregation(v, f, path, out);
      } else {
        row(v, f, path, out);
      }
    }
  }

  private static void row(FeatureView v, Feature f, String path, List<SpecProblem> out) {
    Source s = v.source();
    if (f.expression() != null
        || !v.transformations().isEmpty()
        || s == null
        || s.schema().isEmpty()) {
      return;
    }
    Optional<SourceField> col = s.field(f.name());
    if (col.isEmpty()) {
      List<String> columns = s.schema().stream().map(SourceField::name).toList();
      out.add(
          problem(
              path + ".name",
              "'" + f.name() + "' is not a column of source '" + s.name() + "'",
              Suggestions.closest(f.name(), columns)
                      .map(c -> "did you mean " + c + "? Or compute")
                      .orElse("compute")
                  + " it with expr: <Flink SQL over the source columns>. Columns: "
                  + String.join(", ", columns)));
    } else if (!assignable(col.get().type(), f.dtype())) {
      out.add(
          problem(
              path + ".dtype",
              "'" + f.dtype() + "' but source column '" + f.name() + "' is " + col.get().type(),
              "write dtype: "
                  + col.get().type()
                  + ", or convert with expr: CAST("
                  + f.name()
                  + " AS "
                  + f.dtype().flinkSqlType()
                  + ")"));
    }
  }

  /** Whether a column of type {@code from} may be served as {@code to} without losing values. */
  static boolean assignable(FeatureType from, FeatureType to) {
    if (from.equals(to)) {
      return true;
    }
    if (from.array() || to.array()) {
      return false;
    }
    return switch (from.scalar()) {
      case INT32 -> to.scalar() == Scalar.INT64 || to.scalar() == Scalar.FLOAT64;
      case INT64 -> to.scalar() == Scalar.FLOAT64;
      case FLOAT32 -> to.scalar() == Scalar.FLOAT64;
      default -> false;
    };
  }

  private static boolean transformationOutput(FeatureView v, String column) {
    return v.transformations().stream()
        .flatMap(
            t ->
                TransformationLint.outputAliases(TransformationLint.stripComments(t.code()))
                    .stream())
        .anyMatch(column::equalsIgnoreCase);
  }

  private static void aggregation(FeatureView v, Feature f, String path, List<SpecProblem> out) {
    Aggregation a = f.aggregation();
    String ap = path + ".aggregation";
    AggregationFunction fn = a.function();
    Duration w = a.window();
    Duration tile = v.tileSize();
    if (w.isNegative() || w.isZero()) {
      out.add(
          problem(
              ap + ".window", Durations.format(w.abs()) + " (expected: > 0)", "e.g. window: 7d"));
    } else if (!tile.isNegative() && !tile.isZero() && w.toMillis() % tile.toMillis() != 0) {
      long lower = w.toMillis() / tile.toMillis() * tile.toMillis();
      out.add(
          problem(
              ap + ".window",
              Durations.format(w)
                  + " is not a whole multiple of tile_size "
                  + Durations.format(tile),
              "use a multiple of "
                  + Durations.format(tile)
                  + (lower > 0
                      ? " (e.g. " + Durations.format(Duration.ofMillis(lower)) + " or "
                      : " (e.g. ")
                  + Durations.format(Duration.ofMillis(lower + tile.toMillis()))
                  + "), or a tile_size that divides it"));
    }
    if (w.compareTo(v.ttl()) > 0 && !v.ttl().isNegative() && !v.ttl().isZero()) {
      out.add(
          problem(
              ap + ".window",
              Durations.format(w) + " is longer than the ttl " + Durations.format(v.ttl()),
              "raise ttl to at least "
                  + Durations.format(w)
                  + " (ttl: "
                  + Durations.format(w)
                  + "), or drop the "
                  + Durations.format(w)
                  + " window"));
    }
    if (fn != AggregationFunction.LAST_N && a.n() != 0) {
      out.add(
          problem(
              ap + ".n", a.n() + " (n is only for last_n)", "remove n, or use function: last_n"));
    }
    if (fn == AggregationFunction.LAST_N && (a.n() < 1 || a.n() > MAX_LAST_N)) {
      out.add(
          problem(
              ap + ".n",
              a.n() == 0
                  ? "missing (last_n needs it)"
                  : a.n() + " (expected: 1.." + MAX_LAST_N + ")",
              "write n: 10 (how many most recent values to keep, 1.." + MAX_LAST_N + ")"));
    }
    if (v.source() == null) {
      out.add(
          problem(
              ap,
              "a window aggregation reads the view's source, and this view has none",
              "add source: <a declared source's name> (its SQL transformation does not feed aggregations)"));
      return;
    }
    FeatureType input = null;
    if (a.column().equals("*")) {
      if (fn != AggregationFunction.COUNT) {
        out.add(
            problem(
                ap + ".column",
                "'*' (only count counts rows; " + fn.specName() + " needs a column)",
                "name a source column, e.g. column: amount_usd"));
        return;
      }
    } else if (v.source() != null && !v.source().schema().isEmpty()) {
      Optional<SourceField> col = v.source().field(a.column());
      if (col.isEmpty() && transformationOutput(v, a.column())) {
        // 'did you mean <a source column>' would not help: the column is there, in the SQL
        out.add(
            problem(
                ap + ".column",
                "'"
                    + a.column()
                    + "' is an output of the view's transformation; window aggregations read the"
                    + " columns of source '"
                    + v.source().name()
                    + "' (the transformation's WHERE filters the events they see)",
                "aggregate a source column; to count or sum only some events, filter them in the"
                    + " transformation (e.g. ... FROM "
                    + v.source().name()
                    + " WHERE <condition>, with column: '*', function: count), or add the column to"
                    + " the source"));
        return;
      }
      if (col.isEmpty()) {
        out.add(
            SourceRules.notAColumn(
                ap + ".column",
                a.column(),
                v.source().name(),
                v.source().schema().stream().map(SourceField::name).toList()));
        return;
      }
      input = col.get().type();
      inputType(fn, col.get(), ap, out);
    } else {
      return;
    }
    FeatureType expected = fn.outputType(input);
    if (expected != null && !expected.equals(f.dtype())) {
      out.add(
          problem(
              path + ".dtype",
              "'"
                  + f.dtype()
                  + "' does not match "
                  + fn.specName()
                  + " over "
                  + a.column()
                  + (input == null ? "" : " (" + input + ")")
                  + ", which is "
                  + expected,
              "write dtype: "
                  + expected
                  + " (in Flink SQL: a "
                  + expected.flinkSqlType()
                  + " column), or leave dtype out (it is inferred)"));
    }
  }

  private static void inputType(
      AggregationFunction fn, SourceField col, String ap, List<SpecProblem> out) {
    FeatureType t = col.type();
    boolean numeric = !t.array() && t.scalar().isNumeric();
    String problem = null;
    switch (fn) {
      case SUM, AVG, STDDEV -> {
        if (!numeric) {
          problem = fn.specName() + " needs a numeric column";
        }
      }
      case MIN, MAX -> {
        if (t.array() || t.scalar() == Scalar.BOOL || t.scalar() == Scalar.BYTES) {
          problem = fn.specName() + " needs an ordered column (a number, STRING or TIMESTAMP)";
        }
      }
      case COUNT_DISTINCT, LAST_N -> {
        if (t.array()) {
          problem = fn.specName() + " needs a scalar column";
        }
      }
      default -> {}
    }
    if (problem != null) {
      out.add(
          problem(
              ap + ".column",
              "'" + col.name() + "' is " + t + "; " + problem,
              // count_distinct and last_n take scalars only: offer them for a scalar column only
              (t.array() ? "aggregate a scalar column" : "aggregate a numeric column")
                  + ", or use "
                  + (t.array() ? "count, first or last" : "count, count_distinct or last")
                  + " on "
                  + col.name()));
    }
  }
}
