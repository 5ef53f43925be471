package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.ListNode;
import dev.quiver.core.spec.SpecTree.MapNode;
import dev.quiver.core.spec.SpecTree.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a source mapping (a top-level source document, or a view's inline {@code source:}). */
final class SourceReader {
  static final Set<String> KEYS =
      Set.of(
          "kind",
          "namespace",
          "name",
          "schema",
          "event_time_field",
          "dedup_key",
          "watermark_delay",
          "max_out_of_orderness",
          "options");

  private static final String SCHEMA_EXAMPLE = "schema: [{name: user_id, type: STRING}, ...]";

  private SourceReader() {}

  static Source read(Fields f, String defaultNamespace) {
    f.allowOnly(KEYS, "a source");
    String namespace = orDefault(f.text("namespace"), defaultNamespace);
    String name = f.requiredText("name", "give the source a name, e.g. name: transactions");
    String kind = f.text("kind");
    List<SourceField> schema = schema(f);
    String eventTime = f.text("event_time_field");
    String dedup = f.text("dedup_key");
    if (f.has("watermark_delay") && f.has("max_out_of_orderness")) {
      f.problems()
          .error(
              "max_out_of_orderness",
              "given together with watermark_delay (they are the same setting)",
              "keep only watermark_delay");
    }
    Duration delay =
        f.has("watermark_delay")
            ? f.duration("watermark_delay")
            : f.duration("max_out_of_orderness");
    Map<String, String> options = f.scalarMap("options");
    return new Source(
        namespace,
        orDefault(name, ""),
        orDefault(kind, ""),
        schema,
        orDefault(eventTime, ""),
        dedup,
        delay,
        options);
  }

  private static List<SourceField> schema(Fields f) {
    Node n = f.node("schema");
    List<SourceField> out = new ArrayList<>();
    if (n == null || SpecTree.unreadable(n)) {
      return out;
    }
    Problems p = f.problems();
    if (n instanceof MapNode m) {
      m.fields()
          .forEach(
              (col, type) ->
                  SpecTypes.read(type, p, "schema." + col)
                      .ifPresent(t -> out.add(new SourceField(col, t))));
      return out;
    }
    if (!(n instanceof ListNode l)) {
      p.error("schema", n.describe() + " (expected: a list of columns)", "write " + SCHEMA_EXAMPLE);
      return out;
    }
    for (int i = 0; i < l.items().size(); i++) {
      String path = "schema[" + i + "]";
      Fields.of(l.items().get(i), p, path, "{name: user_id, type: STRING}")
          .ifPresent(
              c -> {
                c.allowOnly(Set.of("name", "type"), "a schema column");
                String col = c.requiredText("name", "name the column, e.g. name: user_id");
                boolean hasType = c.require("type", "give the column's type, e.g. type: STRING");
                if (col != null && hasType) {
                  SpecTypes.read(c.node("type"), c.problems(), "type")
                      .ifPresent(t -> out.add(new SourceField(col, t)));
                }
              });
    }
    return out;
  }

  static String orDefault(String v, String d) {
    return v == null ? d : v;
  }
}
