package dev.quiver.catalog;

import static dev.quiver.catalog.ViewTableOptions.*;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecProblem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spec problems in the words of a {@code CREATE TABLE} / {@code ALTER TABLE}: the spec validator
 * speaks the spec language (field paths such as {@code features[2].dtype}, types such as {@code
 * INT64}, fixes such as {@code write dtype: INT64} or {@code ttl: 7d}), which a SQL author never
 * wrote. Each problem is shown against the column or {@code WITH} option it concerns, with the SQL
 * types and options in its text: {@code column 'spend_1h': 'DOUBLE' does not match sum over amount
 * (BIGINT), which is BIGINT; declare the column as BIGINT}.
 */
final class SqlSpelling {
  private static final Pattern FEATURE_PATH = Pattern.compile("^features\\[(\\d+)](.*)$");

  /** Spec keys and the options that set them in SQL. */
  private static final Map<String, String> KEYS =
      Map.ofEntries(
          Map.entry("ttl_seconds", TTL),
          Map.entry("ttl", TTL),
          Map.entry("sla_freshness_seconds", SLA_FRESHNESS),
          Map.entry("sla_freshness", SLA_FRESHNESS),
          Map.entry("allowed_lateness", ALLOWED_LATENESS),
          Map.entry("tile_size", TILE_SIZE),
          Map.entry("availability_delay", AVAILABILITY_DELAY),
          Map.entry("entities", ENTITIES),
          Map.entry("source", SOURCE),
          Map.entry("online", ONLINE),
          Map.entry("offline", OFFLINE),
          Map.entry("owner", OWNER),
          Map.entry("status", STATUS),
          Map.entry("version", VERSION));

  /** A spec key with its value, e.g. {@code tile_size: 5m} (value up to a separator). */
  private static final Pattern KEY_VALUE =
      Pattern.compile(
          "\\b(ttl_seconds|ttl|sla_freshness_seconds|sla_freshness|allowed_lateness|tile_size"
              + "|availability_delay|online|offline): ([^\\s,;)]+)");

  /** A spec key alone whose SQL option is spelled differently. */
  private static final Pattern BARE_KEY =
      Pattern.compile(
          "\\b(ttl_seconds|sla_freshness_seconds|allowed_lateness|tile_size|availability_delay)\\b");

  /** A spec type name (the SQL ones differ but for STRING and BYTES). */
  private static final Pattern TYPE =
      Pattern.compile(
          "\\b(?:ARRAY<(BOOL|INT32|INT64|FLOAT32|FLOAT64|STRING|BYTES|TIMESTAMP)>"
              + "|(BOOL|INT32|INT64|FLOAT32|FLOAT64|TIMESTAMP)\\b)");

  private static final Pattern SOURCE_VALUE = Pattern.compile("\\bsource: (<[^>]*>|[\\w.]+)");
  private static final Pattern INLINE_SOURCE = Pattern.compile(", or an inline source \\{[^}]*}");

  private static final Pattern DTYPE_INFERRED =
      Pattern.compile(
          "write dtype: \\S+ \\(in Flink SQL: an? (\\S+) column\\), or leave dtype out \\(it is"
              + " inferred\\)");
  private static final Pattern DTYPE_OR_EXPR =
      Pattern.compile("write dtype: (\\S+), or convert with expr: (.+)$");
  private static final Pattern AGG_PART =
      Pattern.compile("\\b(column|function|window|n): ([^\\s,;)]+)");

  private SqlSpelling() {}

  /** The problem as {@code <column or option>: <message>; <fix>}, in SQL words. */
  static String describe(SpecProblem p, FeatureView view) {
    Feature f = feature(p.path(), view);
    String message = text(p.message(), f, p.path());
    String hint = p.hint().isEmpty() ? "" : "; " + text(p.hint(), f, p.path());
    return element(p.path(), view) + ": " + message + hint;
  }

  /** The column or option a spec path belongs to, e.g. {@code option 'quiver.ttl'}. */
  static String element(String path, FeatureView view) {
    Feature f = feature(path, view);
    if (f != null) {
      String rest = FEATURE_PATH.matcher(path).replaceFirst("$2");
      String p = FEATURE_PREFIX + f.name() + ".";
      if (rest.startsWith(".aggregation")) {
        return "option '" + p + AGGREGATION + "'";
      } else if (rest.startsWith(".expr")) {
        return "option '" + p + EXPRESSION + "'";
      } else if (rest.startsWith(".tags.")) {
        return "option '" + p + rest.substring(1) + "'";
      }
      return "column '" + f.name() + "'";
    }
    if (path.equals("features")) {
      return "columns";
    }
    if (path.startsWith("tags.")) {
      return "option '" + TAGS_PREFIX + path.substring("tags.".length()) + "'";
    }
    Matcher t = Pattern.compile("^transformations\\[(\\d+)]").matcher(path);
    if (t.find()) {
      int i = Integer.parseInt(t.group(1));
      return "option '" + TRANSFORMATION + (i == 0 ? "" : "." + (i + 1)) + "'";
    }
    String key = path.replaceFirst("[.\\[].*$", "");
    if (key.equals("source") && path.length() > "source".length()) {
      // a problem of the registered source (applied as a spec): its own field path
      return "option '" + SOURCE + "' (source " + path.substring("source".length() + 1) + ")";
    }
    String option = KEYS.get(key);
    if (option != null) {
      return "option '" + option + "'";
    }
    if (key.equals("name")) {
      return "table name";
    }
    if (key.equals("namespace")) {
      return "database";
    }
    return path;
  }

  private static Feature feature(String path, FeatureView view) {
    Matcher m = FEATURE_PATH.matcher(path);
    if (view == null || !m.find()) {
      return null;
    }
    int i = Integer.parseInt(m.group(1));
    List<Feature> fs = view.features();
    return i >= 0 && i < fs.size() ? fs.get(i) : null;
  }

  /** A message or fix with the spec's spellings replaced by the SQL ones. */
  static String text(String s, Feature f, String path) {
    String out = s;
    if (f != null) {
      out = DTYPE_INFERRED.matcher(out).replaceAll(m -> "declare the column as " + m.group(1));
      Matcher m = DTYPE_OR_EXPR.matcher(out);
      if (m.find()) {
        out =
            m.replaceFirst(
                Matcher.quoteReplacement(
                    "declare the column as "
                        + sqlType(m.group(1))
                        + ", or convert with '"
                        + FEATURE_PREFIX
                        + f.name()
                        + "."
                        + EXPRESSION
                        + "'='"
                        + m.group(2)
                        + "'"));
      }
      // a row feature's fix "compute it with expr: <...>" is the expression option in SQL
      out =
          out.replace(
              "with expr: <Flink SQL over the source columns>",
              "with '"
                  + FEATURE_PREFIX
                  + f.name()
                  + "."
                  + EXPRESSION
                  + "'='<Flink SQL over the source columns>' (or '"
                  + FEATURE_PREFIX
                  + f.name()
                  + "."
                  + AGGREGATION
                  + "'='<function>(<column>) over <window>')");
      if (f.aggregation() != null && path.contains(".aggregation")) {
        out = AGG_PART.matcher(out).replaceAll(a -> Matcher.quoteReplacement(aggregation(f, a)));
      }
    }
    out =
        INLINE_SOURCE
            .matcher(out)
            .replaceAll(Matcher.quoteReplacement(", or a '" + TRANSFORMATION + "' that reads one"));
    out =
        SOURCE_VALUE
            .matcher(out)
            .replaceAll(m -> Matcher.quoteReplacement("'" + SOURCE + "'='" + m.group(1) + "'"));
    out = KEY_VALUE.matcher(out).replaceAll(m -> Matcher.quoteReplacement(option(m)));
    out =
        BARE_KEY
            .matcher(out)
            .replaceAll(m -> Matcher.quoteReplacement("'" + KEYS.get(m.group(1)) + "'"));
    return TYPE.matcher(out).replaceAll(m -> Matcher.quoteReplacement(sqlType(m.group())));
  }

  private static String option(java.util.regex.MatchResult m) {
    String value = m.group(2);
    if (m.group(1).endsWith("_seconds") && value.matches("\\d+")) {
      value = Durations.format(Duration.ofSeconds(Long.parseLong(value)));
    }
    return "'" + KEYS.get(m.group(1)) + "'='" + value + "'";
  }

  /** {@code n: 10} in a fix, as the whole aggregation option with that part changed. */
  private static String aggregation(Feature f, java.util.regex.MatchResult part) {
    Aggregation a = f.aggregation();
    String value = part.group(2);
    try {
      Aggregation changed =
          switch (part.group(1)) {
            case "column" -> new Aggregation(value, a.function(), a.window(), a.n());
            case "function" -> {
              AggregationFunction fn = AggregationFunction.parse(value).orElseThrow();
              yield new Aggregation(
                  a.column(), fn, a.window(), fn == AggregationFunction.LAST_N ? 10 : 0);
            }
            case "window" ->
                new Aggregation(
                    a.column(), a.function(), Durations.parse(value).orElseThrow(), a.n());
            default ->
                new Aggregation(a.column(), a.function(), a.window(), Integer.parseInt(value));
          };
      return "'" + AggregationText.format(changed) + "'";
    } catch (RuntimeException notOneWeCanSpell) {
      return part.group();
    }
  }

  private static String sqlType(String specType) {
    return FeatureType.parse(specType).map(FeatureType::flinkSqlType).orElse(specType);
  }
}
