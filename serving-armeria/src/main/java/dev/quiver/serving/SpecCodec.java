package dev.quiver.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.registry.ApplyResult;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistrySpecContext;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.SpecWriter;
import java.util.TreeMap;

/**
 * Converts registry objects to and from the REST representation (PRD §11.2). Parsing is delegated
 * to core's spec parser; rendering writes the §11.2 field names plus the registry's metadata
 * (status, created_at, warnings).
 */
class SpecCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SpecParser.Context context;

  SpecCodec(FeatureRegistry registry) {
    // A posted view may name entities, sources and views the registry already holds.
    this.context = new RegistrySpecContext(registry);
  }

  /**
   * Parses a request body (PRD §11.2 JSON or YAML; JSON is YAML, so one parser reads both).
   *
   * @throws dev.quiver.core.spec.SpecException with every problem and its field path
   */
  SpecParser.ParseResult parse(String text) {
    return SpecParser.parse(withoutReadOnlyFields(text), "<request>", context);
  }

  /**
   * The registry's metadata that {@link #toJson(ViewRecord)} adds to a view: a GET answer sent back
   * as it came (GET, edit, POST) must not fail on them. They are set by the registry, so a posted
   * value is dropped, not compared (If-Match is the concurrency check).
   */
  static final java.util.Set<String> READ_ONLY_FIELDS =
      java.util.Set.of("created_at", "created_by", "spec_checksum", "warnings", "sunset_at");

  /**
   * The body without {@link #READ_ONLY_FIELDS} when it is one JSON object holding any of them; any
   * other body (YAML, several documents, malformed JSON) as it came, for the spec parser to read or
   * report.
   */
  static String withoutReadOnlyFields(String text) {
    String t = text.strip();
    if (!t.startsWith("{")) {
      return text;
    }
    try {
      // duplicate keys stay the spec parser's error
      com.fasterxml.jackson.databind.JsonNode n =
          JSON.reader()
              .with(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .readTree(t);
      if (!(n instanceof ObjectNode o) || READ_ONLY_FIELDS.stream().noneMatch(o::has)) {
        return text;
      }
      o.remove(READ_ONLY_FIELDS);
      return JSON.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return text; // the spec parser names what is wrong
    }
  }

  /** The view in the §11.2 shape (SpecWriter) plus the registry's metadata. */
  ObjectNode toJson(ViewRecord r) {
    FeatureView v = r.view();
    ObjectNode n = JSON.valueToTree(SpecWriter.toMap(v));
    n.put("version", r.version().toString());
    n.put("status", v.status().name());
    n.put("created_at", r.createdAt().toString());
    n.put("created_by", r.createdBy());
    if (r.sunsetAt() != null) {
      n.put("sunset_at", r.sunsetAt().toString());
    }
    n.put("spec_checksum", r.specChecksum());
    ArrayNode w = n.putArray("warnings");
    r.warnings().forEach(w::add);
    return n;
  }

  /**
   * An entity in the spec's shape ({@code kind: entity}, join keys {@code {name, type}}, as {@code
   * SpecWriter} prints it), so that an item of {@code GET /v1/registry/entities} is a document
   * {@code quiver apply} reads. Its join keys were {@code {name, dtype}}, which a spec refuses.
   */
  ObjectNode toJson(Entity e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "entity");
    n.put("namespace", e.namespace());
    n.put("name", e.name());
    ArrayNode keys = n.putArray("join_keys");
    for (JoinKey k : e.joinKeys()) {
      keys.addObject().put("name", k.name()).put("type", k.type().toString());
    }
    n.put("description", e.description());
    n.put("owner", e.owner());
    return n;
  }

  /** A feature service in the spec's shape ({@code kind: feature_service}, with its tags). */
  ObjectNode toJson(FeatureService s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("kind", "feature_service");
    n.put("namespace", s.namespace());
    n.put("name", s.name());
    ArrayNode fs = n.putArray("features");
    for (FeatureRef f : s.features()) {
      fs.add(f.toString());
    }
    n.put("owner", s.owner());
    n.put("description", s.description());
    ObjectNode tags = n.putObject("tags");
    new TreeMap<>(s.tags()).forEach(tags::put);
    return n;
  }

  ObjectNode applyResultJson(ApplyResult result) {
    ObjectNode n = JSON.createObjectNode();
    n.put("dry_run", result.dryRun());
    ArrayNode changes = n.putArray("changes");
    for (ApplyResult.ChangePlan c : result.changes()) {
      ObjectNode cn = changes.addObject();
      cn.put("kind", c.kind());
      cn.put("namespace", c.namespace());
      cn.put("name", c.name());
      cn.put("action", c.action());
      cn.put("from_version", c.fromVersion());
      cn.put("to_version", c.toVersion());
      ArrayNode diffs = cn.putArray("diffs");
      for (ApplyResult.Change d : c.diffs()) {
        diffs
            .addObject()
            .put("path", d.path())
            .put("description", d.description())
            .put("compatibility", d.compatibility().name());
      }
    }
    ArrayNode w = n.putArray("warnings");
    result.warnings().forEach(p -> w.add(p.describe()));
    return n;
  }
}
