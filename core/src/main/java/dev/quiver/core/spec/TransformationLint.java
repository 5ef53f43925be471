package dev.quiver.core.spec;

import static dev.quiver.core.spec.Names.problem;
import static dev.quiver.core.spec.Names.warning;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks on a view's SQL transformations: the language, and what is legal but unsafe (processing
 * time, features the SQL never produces, SQL whose output no feature uses).
 */
final class TransformationLint {
  static final List<String> LANGUAGES = List.of("flink", "sql");

  /** Functions that read the wall clock of the running job rather than the event's time. */
  private static final Pattern PROCESSING_TIME =
      Pattern.compile(
          "\\b(CURRENT_TIMESTAMP\\b|CURRENT_DATE\\b|CURRENT_TIME\\b|CURRENT_ROW_TIMESTAMP\\b"
              + "|LOCALTIMESTAMP\\b|LOCALTIME\\b|NOW\\s*\\(|PROCTIME\\s*\\(|UNIX_TIMESTAMP\\s*\\(\\s*\\))",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern ALIAS =
      Pattern.compile("\\bAS\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?", Pattern.CASE_INSENSITIVE);

  /** The text before an {@code AS} that names a table: {@code ... FROM trips} / {@code JOIN x}. */
  private static final Pattern TABLE_ALIAS =
      Pattern.compile(
          "\\b(?:FROM|JOIN)\\s+`?[A-Za-z_][A-Za-z0-9_.`$]*\\s*$", Pattern.CASE_INSENSITIVE);

  private static final Pattern INTERVAL =
      Pattern.compile("INTERVAL\\s+'(\\d+)'\\s+(DAY|HOUR|MINUTE|SECOND)", Pattern.CASE_INSENSITIVE);
  private static final Pattern AGG_CALL =
      Pattern.compile(
          "\\b(COUNT|SUM|AVG|MIN|MAX|STDDEV_POP|STDDEV)\\s*\\(\\s*([A-Za-z0-9_*]+)",
          Pattern.CASE_INSENSITIVE);

  private TransformationLint() {}

  static void check(FeatureView view, List<SpecProblem> out) {
    List<Transformation> ts = view.transformations();
    for (int i = 0; i < ts.size(); i++) {
      Transformation t = ts.get(i);
      String path = "transformations[" + i + "]";
      if (t.language().isEmpty()) {
        out.add(problem(path + ".language", "missing (required)", "write language: sql"));
      } else if (!LANGUAGES.contains(t.language().toLowerCase(Locale.ROOT))) {
        out.add(
            problem(
                path + ".language",
                "'" + t.language() + "' is not a transformation language",
                Suggestions.closest(t.language(), LANGUAGES)
                        .map(c -> "did you mean " + c + "? ")
                        .orElse("")
                    + "Languages: flink, sql (both mean Flink SQL)"));
      }
      if (t.code().isBlank()) {
        out.add(problem(path + ".code", "empty", "write the Flink SQL under code: |"));
        continue;
      }
      String code = stripComments(t.code());
      processingTime(code, path, out);
      outputs(view, code, path, out);
    }
  }

  private static void processingTime(String code, String path, List<SpecProblem> out) {
    Matcher m = PROCESSING_TIME.matcher(code);
    if (!m.find()) {
      return;
    }
    String fn = m.group(1).replaceAll("\\s", "").toUpperCase(Locale.ROOT);
    fn = fn.endsWith("(") ? fn + ")" : fn;
    String line = lineAt(code, m.start());
    int lineNo = code.substring(0, m.start()).split("\n", -1).length;
    List<String> lineAliases =
        outputAliases(
            line.substring(Math.min(line.length(), m.start() - lineStart(code, m.start()))));
    String name = lineAliases.isEmpty() ? "<feature>" : lineAliases.get(0);
    Matcher interval = INTERVAL.matcher(line);
    String window = interval.find() ? interval.group(1) + unit(interval.group(2)) : "7d";
    Matcher call = AGG_CALL.matcher(line);
    String function = "count";
    String column = "'*'";
    if (call.find()) {
      function = call.group(1).toLowerCase(Locale.ROOT).replace("stddev_pop", "stddev");
      column = call.group(2).equals("*") ? "'*'" : call.group(2);
    }
    out.add(
        warning(
            path + ".code",
            fn
                + " (line "
                + lineNo
                + " of the code) is processing time: it reads the clock of the running job, not the events,"
                + " so training (backfills, point-in-time joins) and serving compute different values",
            "use a declarative window aggregation: {name: "
                + name
                + ", aggregation: {column: "
                + column
                + ", function: "
                + function
                + ", window: "
                + window
                + "}}"));
  }

  /**
   * Warns about row features that the SQL never mentions, and about SQL whose named outputs ({@code
   * AS x}) include no declared feature at all.
   */
  private static void outputs(FeatureView view, String code, String path, List<SpecProblem> out) {
    Set<String> aliases = new LinkedHashSet<>();
    for (String a : outputAliases(code)) {
      aliases.add(a.toLowerCase(Locale.ROOT));
    }
    boolean anyDeclared = false;
    for (int i = 0; i < view.features().size(); i++) {
      Feature f = view.features().get(i);
      if (f.isAggregation() || f.expression() != null) {
        continue;
      }
      if (aliases.contains(f.name())
          || Pattern.compile("\\b" + Pattern.quote(f.name()) + "\\b").matcher(code).find()) {
        anyDeclared = true;
      } else {
        out.add(
            warning(
                "features[" + i + "].name",
                "'" + f.name() + "' is not an output column of " + path,
                "add '... AS " + f.name() + "' to its SELECT, or give the feature an expr"));
      }
    }
    if (!anyDeclared && !aliases.isEmpty()) {
      out.add(
          warning(
              path,
              "no declared feature reads its output columns (" + String.join(", ", aliases) + ")",
              "declare a feature for each output it should serve, e.g. {name: "
                  + aliases.iterator().next()
                  + ", dtype: FLOAT64}, or remove the transformation"));
    }
  }

  /**
   * The names {@code AS x} gives to outputs, in order; not the type of a {@code CAST(v AS INT)}
   * (followed by {@code )}, {@code (} or {@code <}: {@code CAST(v AS DECIMAL(10, 2))}, {@code
   * CAST(v AS ARRAY<INT>)}) nor a table alias ({@code FROM trips AS t}).
   */
  static List<String> outputAliases(String code) {
    List<String> names = new ArrayList<>();
    Matcher m = ALIAS.matcher(code);
    while (m.find()) {
      String after = code.substring(m.end()).stripLeading();
      boolean castType = after.startsWith(")") || after.startsWith("(") || after.startsWith("<");
      boolean tableAlias = TABLE_ALIAS.matcher(code.substring(0, m.start())).find();
      if (!castType && !tableAlias) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  static String stripComments(String code) {
    // Block comments keep their line breaks, so line numbers in messages stay true.
    Matcher m = Pattern.compile("(?s)/\\*.*?\\*/").matcher(code.replaceAll("--[^\n]*", ""));
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, m.group().replaceAll("[^\n]", " "));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static int lineStart(String code, int at) {
    return code.lastIndexOf('\n', at - 1) + 1;
  }

  private static String lineAt(String code, int at) {
    int start = lineStart(code, at);
    int end = code.indexOf('\n', at);
    return code.substring(start, end < 0 ? code.length() : end);
  }

  private static String unit(String sqlUnit) {
    return switch (sqlUnit.toUpperCase(Locale.ROOT)) {
      case "DAY" -> "d";
      case "HOUR" -> "h";
      case "MINUTE" -> "m";
      default -> "s";
    };
  }
}
