package dev.quiver.jobs.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of a view's SQL {@code transformations} block that the materialization job runs: one
 * row-at-a-time {@code SELECT} over the view's source,
 *
 * <pre>
 * [CREATE [TEMPORARY] VIEW name AS]
 * SELECT expr [AS] name, ... | *  FROM source [[AS] alias]  [WHERE condition]  [;]
 * </pre>
 *
 * <p>or one tumbling-window aggregation per entity,
 *
 * <pre>
 * SELECT key [AS entity_key], AGG(...) [FILTER (WHERE ...)] AS name, TUMBLE_END(time, i) AS x, ...
 * FROM source [WHERE condition]  GROUP BY key, TUMBLE(time, INTERVAL 'n' SECOND|MINUTE|HOUR|DAY)
 * </pre>
 *
 * whose {@code time} is the source's event-time field; each closed window is one output row whose
 * event time is the window's end (see {@code JobPlanner}).
 *
 * <p>Every output row of the first form is one accepted (deduplicated, not too late) event, keeping
 * that event's event time, offset and ingestion time; so the same statement means the same thing in
 * the streaming job and in a batch backfill. Everything else — {@code GROUP BY} without a {@code
 * TUMBLE} window, other windows ({@code HOP}, {@code CUMULATE}, {@code SESSION}, {@code OVER}),
 * {@code HAVING}, aggregates without {@code GROUP BY}, joins, set operations, subqueries, {@code
 * DISTINCT}, {@code ORDER BY}/{@code LIMIT}, several statements — is refused at plan time with an
 * error naming {@code transformations[i].code} and the fix (usually: a declarative window
 * aggregation, which is compiled to tiles).
 *
 * @param outputs output name → SQL expression, in SELECT order (names lower-cased for lookup)
 * @param star whether the SELECT list has {@code *} (every source column is an output)
 * @param where the WHERE condition, or null
 * @param alias the name the source is referred to by in the expressions
 * @param groupBy the GROUP BY items, the {@code TUMBLE(...)} one included (empty unless {@link
 *     #window} is set)
 * @param window the {@code TUMBLE} window's interval literal, e.g. {@code INTERVAL '1' DAY}, or
 *     null for a row-at-a-time SELECT
 */
public record SqlTransformation(
    Map<String, String> outputs,
    boolean star,
    String where,
    String alias,
    List<String> groupBy,
    String window) {

  private static final Pattern CREATE_VIEW =
      Pattern.compile(
          "^CREATE\\s+(?:TEMPORARY\\s+)?VIEW\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?[`\\w.]+\\s+AS\\s+",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern IDENT = Pattern.compile("`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_$]*");
  private static final Pattern QUALIFIED =
      Pattern.compile("(?:(?:`(?:[^`]|``)+`|[A-Za-z_]\\w*)\\.)*(`(?:[^`]|``)+`|[A-Za-z_]\\w*)");
  private static final Pattern ALIASED =
      Pattern.compile(
          "(?s)(.*\\S)\\s+AS\\s+(`(?:[^`]|``)+`|[A-Za-z_]\\w*)", Pattern.CASE_INSENSITIVE);

  /** Clauses after FROM that the job does not run, with the fix. */
  private static final Map<String, String> REFUSED_CLAUSES =
      Map.ofEntries(
          Map.entry("HAVING", "HAVING"),
          Map.entry("JOIN", "a join"),
          Map.entry("LEFT", "a join"),
          Map.entry("RIGHT", "a join"),
          Map.entry("INNER", "a join"),
          Map.entry("FULL", "a join"),
          Map.entry("CROSS", "a join"),
          Map.entry("LATERAL", "a lateral join"),
          Map.entry("UNION", "UNION"),
          Map.entry("INTERSECT", "INTERSECT"),
          Map.entry("EXCEPT", "EXCEPT"),
          Map.entry("MINUS", "MINUS"),
          Map.entry("ORDER", "ORDER BY"),
          Map.entry("LIMIT", "LIMIT"),
          Map.entry("OFFSET", "OFFSET"),
          Map.entry("FETCH", "FETCH"),
          Map.entry("WINDOW", "WINDOW"),
          Map.entry("MATCH_RECOGNIZE", "MATCH_RECOGNIZE"));

  static final Set<String> AGGREGATES =
      Set.of(
          "COUNT",
          "SUM",
          "AVG",
          "MIN",
          "MAX",
          "STDDEV",
          "STDDEV_POP",
          "STDDEV_SAMP",
          "VARIANCE",
          "VAR_POP",
          "VAR_SAMP",
          "COLLECT",
          "LISTAGG",
          "FIRST_VALUE",
          "LAST_VALUE",
          "ARRAY_AGG",
          "JSON_ARRAYAGG",
          "JSON_OBJECTAGG");
  static final Set<String> WINDOWS =
      Set.of(
          "TUMBLE",
          "HOP",
          "CUMULATE",
          "SESSION",
          "TUMBLE_START",
          "TUMBLE_END",
          "HOP_START",
          "HOP_END",
          "SESSION_START",
          "SESSION_END",
          "TUMBLE_ROWTIME",
          "HOP_ROWTIME");
  static final Set<String> TUMBLE_AUXILIARY = Set.of("TUMBLE_START", "TUMBLE_END");
  private static final String QUALIFIED_TEXT =
      "(?:(?:`(?:[^`]|``)+`|[A-Za-z_]\\w*)\\.)*(`(?:[^`]|``)+`|[A-Za-z_]\\w*)";
  private static final Pattern TUMBLE =
      Pattern.compile(
          "(?is)TUMBLE\\s*\\(\\s*("
              + QUALIFIED_TEXT
              + ")\\s*,\\s*(INTERVAL\\s+'\\d+'\\s+(?:SECOND|MINUTE|HOUR|DAY))\\s*\\)");
  private static final Pattern WINDOW_CALL =
      Pattern.compile("(?i)\\b(TUMBLE(?:_START|_END)?)\\s*\\(\\s*(" + QUALIFIED_TEXT + ")\\s*,");

  static final String AGG_FIX =
      "declare window aggregations as features, e.g. {name: txn_count_7d, aggregation: {column:"
          + " '*', function: count, window: 7d}} (compiled to tiles), and keep only row-at-a-time"
          + " expressions in the SELECT";

  /**
   * Parses transformation {@code index} of a view whose source is {@code sourceName}.
   *
   * @throws IllegalArgumentException naming {@code transformations[index].code}, what is not
   *     supported and the fix
   */
  public static SqlTransformation parse(String code, int index, String sourceName) {
    String field = "transformations[" + index + "].code";
    SqlScan s = new SqlScan(stripComments(code).strip(), field);
    String text = s.text;
    Matcher create = CREATE_VIEW.matcher(text);
    if (create.find()) {
      text = text.substring(create.end());
    }
    s = new SqlScan(text, field);
    List<SqlScan.Token> words = s.topLevelWords();
    if (words.isEmpty() || !words.get(0).upper().equals("SELECT") || words.get(0).start() != 0) {
      throw s.refuse(
          "expected one SELECT statement (optionally as CREATE VIEW name AS SELECT ...)",
          "write SELECT <expressions> FROM " + sourceName + " [WHERE <condition>]");
    }
    s.refuseNested();
    SqlScan.Token from = null;
    for (SqlScan.Token w : words) {
      if (w.upper().equals("FROM")) {
        from = w;
        break;
      }
      if (w.upper().equals("DISTINCT")) {
        throw s.refuse("SELECT DISTINCT keeps state over all events", AGG_FIX);
      }
    }
    if (from == null) {
      throw s.refuse("no FROM clause", "read the view's source: ... FROM " + sourceName);
    }
    String items = text.substring(words.get(0).end(), from.start());
    String rest = text.substring(from.end()).strip();
    List<String> groupBy = new ArrayList<>();
    String window = null;
    for (SqlScan.Token w : new SqlScan(rest, field).topLevelWords()) {
      if (w.upper().equals("GROUP")) {
        String clause = rest.substring(w.end()).strip();
        if (!clause.regionMatches(true, 0, "BY", 0, 2)) {
          throw s.refuse(
              "GROUP without BY", "write GROUP BY <key>, TUMBLE(<event time>, <interval>)");
        }
        rest = rest.substring(0, w.start()).strip();
        for (String g : SqlScan.splitTopLevel(clause.substring(2), ',')) {
          Matcher tumble = TUMBLE.matcher(g.strip());
          if (tumble.matches()) {
            if (window != null) {
              throw s.refuse("groups by two windows", "group by one TUMBLE(...) window");
            }
            window = tumble.group(3).replaceAll("\\s+", " ");
            groupBy.add(g.strip());
          } else if (g.strip().isEmpty()) {
            throw s.refuse("an empty GROUP BY item", "remove the extra comma");
          } else if (Pattern.compile("(?i)\\b(HOP|SESSION|CUMULATE|TUMBLE)\\s*\\(")
              .matcher(g)
              .find()) {
            throw s.refuse(
                "the window '"
                    + abbreviate(g)
                    + "' is not supported (only TUMBLE(<event time>,"
                    + " INTERVAL 'n' SECOND|MINUTE|HOUR|DAY))",
                AGG_FIX);
          } else {
            groupBy.add(g.strip());
          }
        }
        if (window == null) {
          throw s.refuse(
              "GROUP BY without a TUMBLE(...) window never closes a group (the result would be"
                  + " updated forever)",
              "group by the entity and TUMBLE(<event time>, INTERVAL 'n' DAY), or " + AGG_FIX);
        }
        break;
      }
    }
    Matcher target =
        Pattern.compile(
                "(?s)^("
                    + QUALIFIED.pattern()
                    + ")(?:\\s+(?:AS\\s+)?("
                    + IDENT.pattern()
                    + "))?"
                    + "(?:\\s+(WHERE)\\s+(.+))?$",
                Pattern.CASE_INSENSITIVE)
            .matcher(rest);
    String afterFrom = rest;
    for (SqlScan.Token w : new SqlScan(rest, field).topLevelWords()) {
      String clause = REFUSED_CLAUSES.get(w.upper());
      if (clause != null) {
        throw s.refuse(
            clause + " is not supported by the materialization job",
            clause.equals("HAVING") || clause.equals("WINDOW")
                ? AGG_FIX
                : "compute it upstream (another job writing the source topic), or drop it");
      }
    }
    if (afterFrom.contains(",") && afterFrom.indexOf(',') < whereAt(afterFrom)) {
      throw s.refuse(
          "reads several tables (a join)", "read only the view's source: ... FROM " + sourceName);
    }
    if (!target.matches()) {
      throw s.refuse(
          "cannot read the FROM clause '" + abbreviate(rest) + "'",
          "write FROM " + sourceName + " [WHERE <condition>]");
    }
    String table = unquote(target.group(2));
    String alias = target.group(3) == null ? null : unquote(target.group(3));
    if (alias != null && alias.equalsIgnoreCase("WHERE")) {
      alias = null;
    }
    if (!table.equalsIgnoreCase(sourceName)) {
      throw s.refuse(
          "reads '" + table + "', not the view's source '" + sourceName + "'",
          "read FROM " + sourceName + ", or set the view's source: " + table);
    }
    String where = target.group(5) == null ? null : target.group(5).strip();
    Map<String, String> outputs = new LinkedHashMap<>();
    boolean star = false;
    for (String item : SqlScan.splitTopLevel(items, ',')) {
      String it = item.strip();
      if (it.equals("*") || it.matches("(?s)" + QUALIFIED.pattern() + "\\.\\*")) {
        star = true;
        continue;
      }
      s.refuseCalls(it, window != null);
      String name;
      String expr;
      Matcher as = ALIASED.matcher(it);
      if (as.matches()) {
        expr = as.group(1).strip();
        name = unquote(as.group(2));
      } else if (QUALIFIED.matcher(it).matches()) {
        Matcher last = QUALIFIED.matcher(it);
        last.matches();
        expr = it;
        name = unquote(last.group(1));
      } else {
        throw s.refuse(
            "the select item '" + abbreviate(it) + "' has no name",
            "name it: " + abbreviate(it) + " AS <feature name>");
      }
      if (outputs.put(name.toLowerCase(Locale.ROOT), expr) != null) {
        throw s.refuse("two select items are named '" + name + "'", "give each output one name");
      }
    }
    if (where != null) {
      s.refuseCalls(where, false);
    }
    if (window != null && star) {
      throw s.refuse("SELECT * with GROUP BY", "name each output: <aggregate> AS <feature name>");
    }
    return new SqlTransformation(
        outputs, star, where, alias == null ? table : alias, List.copyOf(groupBy), window);
  }

  /** Whether this is the tumbling-window aggregation form. */
  public boolean windowed() {
    return window != null;
  }

  /**
   * {@code expr} with the time argument of every {@code TUMBLE}, {@code TUMBLE_START} and {@code
   * TUMBLE_END} call replaced by {@code rowtime}.
   *
   * @throws IllegalArgumentException when a window is over another column than {@code
   *     eventTimeField}
   */
  public static String onRowtime(String expr, String eventTimeField, String rowtime, int index) {
    Matcher m = WINDOW_CALL.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String column = unquote(m.group(3));
      if (!column.equalsIgnoreCase(eventTimeField) && !column.equals("_event_time")) {
        throw new IllegalArgumentException(
            "transformations["
                + index
                + "].code: "
                + m.group(1)
                + "("
                + column
                + ", ...) is not over the event time (expected: "
                + m.group(1)
                + "("
                + eventTimeField
                + ", INTERVAL ...), the source's event_time_field)");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + "(" + rowtime + ","));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The expression of output {@code name}, or null when the SELECT does not produce it. */
  public String output(String name) {
    return outputs.get(name.toLowerCase(Locale.ROOT));
  }

  private static int whereAt(String s) {
    Matcher m = Pattern.compile("\\bWHERE\\b", Pattern.CASE_INSENSITIVE).matcher(s);
    return m.find() ? m.start() : s.length();
  }

  private static String unquote(String id) {
    return id.startsWith("`") ? id.substring(1, id.length() - 1).replace("``", "`") : id;
  }

  static String abbreviate(String s) {
    String one = s.strip().replaceAll("\\s+", " ");
    return one.length() > 60 ? one.substring(0, 57) + "..." : one;
  }

  /** Removes {@code --} and {@code /* *\/} comments outside string literals and identifiers. */
  static String stripComments(String code) {
    StringBuilder out = new StringBuilder(code.length());
    int i = 0;
    while (i < code.length()) {
      char c = code.charAt(i);
      if (c == '\'' || c == '`') {
        int end = SqlScan.closing(code, i);
        out.append(code, i, end);
        i = end;
      } else if (code.startsWith("--", i)) {
        int nl = code.indexOf('\n', i);
        i = nl < 0 ? code.length() : nl;
      } else if (code.startsWith("/*", i)) {
        int end = code.indexOf("*/", i + 2);
        i = end < 0 ? code.length() : end + 2;
        out.append(' ');
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
