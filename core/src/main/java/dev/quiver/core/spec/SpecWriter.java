package dev.quiver.core.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes model objects back in the spec shape (snake_case keys, as in the PRD §11.2 body), so that
 * {@code SpecParser.parse(SpecWriter.yaml(x))} gives {@code x} again. Used by the REST API and
 * {@code quiver describe}. Defaults are left out (an empty description, a zero allowed lateness,
 * the default namespace and tile size). Stateless and thread-safe.
 */
public final class SpecWriter {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SpecWriter() {}

  /** The view as a YAML document; its source inline. */
  public static String yaml(FeatureView view) {
    return write(YAML, toMap(view));
  }

  /** The view as JSON (the PRD §11.2 registry-create shape); its source inline. */
  public static String json(FeatureView view) {
    return write(JSON, toMap(view));
  }

  /** Any spec object (view, source, entity, service) as a JSON-ready tree of maps and lists. */
  public static Map<String, Object> toMap(Object specObject) {
    if (specObject instanceof FeatureView v) {
      return view(v, null);
    } else if (specObject instanceof Source s) {
      return source(s, true);
    } else if (specObject instanceof Entity e) {
      return entity(e);
    } else if (specObject instanceof FeatureService s) {
      return service(s);
    }
    throw new IllegalArgumentException("not a spec object: " + specObject.getClass());
  }

  /** Any spec object as one YAML document. */
  public static String yaml(Object specObject) {
    return write(YAML, toMap(specObject));
  }

  /** Any spec object as JSON. */
  public static String json(Object specObject) {
    return write(JSON, toMap(specObject));
  }

  /**
   * A bundle as one multi-document YAML file: entities, sources, views, services. A view whose
   * source is one of the bundle's sources names it ({@code source: transactions}).
   */
  public static String yaml(SpecBundle bundle) {
    List<String> docs = new ArrayList<>();
    bundle.entities().forEach(e -> docs.add(write(YAML, entity(e))));
    bundle.sources().forEach(s -> docs.add(write(YAML, source(s, true))));
    bundle.views().forEach(v -> docs.add(write(YAML, view(v, bundle))));
    bundle.services().forEach(s -> docs.add(write(YAML, service(s))));
    return String.join("---\n", docs);
  }

  static Map<String, Object> view(FeatureView v, SpecBundle bundle) {
    Map<String, Object> m = new LinkedHashMap<>();
    namespace(m, v.namespace());
    m.put("name", v.name());
    m.put("version", v.version().toString());
    putIf(m, "description", v.description());
    m.put("entities", v.entities());
    Source s = v.source();
    if (s != null) {
      Source shared = bundle == null ? null : sharedSource(bundle, s);
      if (shared == null) {
        m.put("source", source(s, false));
      } else {
        m.put("source", s.name());
        if (!shared.watermarkDelay().equals(s.watermarkDelay())) {
          m.put("watermark_delay", Durations.format(s.watermarkDelay()));
        }
      }
    }
    List<Object> features = new ArrayList<>();
    v.features().forEach(f -> features.add(feature(f)));
    m.put("features", features);
    if (!v.transformations().isEmpty()) {
      List<Object> ts = new ArrayList<>();
      for (Transformation t : v.transformations()) {
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("language", t.language());
        tm.put("code", t.code());
        ts.add(tm);
      }
      m.put("transformations", ts);
    }
    seconds(m, "ttl", v.ttl());
    if (!v.slaFreshness().isZero()) {
      seconds(m, "sla_freshness", v.slaFreshness());
    }
    if (v.watermarkExpr() != null) {
      m.put("watermark_expr", v.watermarkExpr());
    }
    durationIf(m, "allowed_lateness", v.allowedLateness());
    if (!v.tileSize().equals(FeatureView.DEFAULT_TILE)) {
      m.put("tile_size", Durations.format(v.tileSize()));
    }
    durationIf(m, "availability_delay", v.availabilityDelay());
    m.put("status", v.status().name());
    m.put("online", v.online());
    m.put("offline", v.offline());
    putIf(m, "owner", v.owner());
    if (!v.tags().isEmpty()) {
      m.put("tags", new LinkedHashMap<>(new TreeMap<>(v.tags())));
    }
    return m;
  }

  /** The bundle's source of the same name, if it differs from {@code s} at most in its delay. */
  private static Source sharedSource(SpecBundle bundle, Source s) {
    for (Source b : bundle.sources()) {
      if (b.namespace().equals(s.namespace())
          && b.name().equals(s.name())
          && b.equals(s.withWatermarkDelay(b.watermarkDelay()))) {
        return b;
      }
    }
    return null;
  }

  static Map<String, Object> feature(Feature f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", f.name());
    m.put("dtype", f.dtype().toString());
    putIf(m, "description", f.description());
    if (f.expression() != null) {
      m.put("expr", f.expression());
    }
    if (f.aggregation() != null) {
      Aggregation a = f.aggregation();
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("column", a.column());
      am.put("function", a.function().specName());
      am.put("window", Durations.format(a.window()));
      if (a.n() != 0) {
        am.put("n", a.n());
      }
      m.put("aggregation", am);
    }
    if (!f.tags().isEmpty()) {
      m.put("tags", new LinkedHashMap<>(new TreeMap<>(f.tags())));
    }
    return m;
  }

  static Map<String, Object> source(Source s, boolean document) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", s.kind());
    if (document) {
      namespace(m, s.namespace());
    }
    m.put("name", s.name());
    List<Object> schema = new ArrayList<>();
    for (SourceField f : s.schema()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", f.name());
      c.put("type", f.type().toString());
      schema.add(c);
    }
    m.put("schema", schema);
    m.put("event_time_field", s.eventTimeField());
    if (s.dedupKey() != null) {
      m.put("dedup_key", s.dedupKey());
    }
    durationIf(m, "watermark_delay", s.watermarkDelay());
    if (!s.options().isEmpty()) {
      m.put("options", new LinkedHashMap<>(new TreeMap<>(s.options())));
    }
    return m;
  }

  static Map<String, Object> entity(Entity e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "entity");
    namespace(m, e.namespace());
    m.put("name", e.name());
    List<Object> keys = new ArrayList<>();
    for (JoinKey k : e.joinKeys()) {
      Map<String, Object> km = new LinkedHashMap<>();
      km.put("name", k.name());
      km.put("type", k.type().toString());
      keys.add(km);
    }
    m.put("join_keys", keys);
    putIf(m, "description", e.description());
    putIf(m, "owner", e.owner());
    return m;
  }

  static Map<String, Object> service(FeatureService s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "feature_service");
    namespace(m, s.namespace());
    m.put("name", s.name());
    m.put("features", s.features().stream().map(FeatureRef::toString).toList());
    putIf(m, "owner", s.owner());
    putIf(m, "description", s.description());
    if (!s.tags().isEmpty()) {
      m.put("tags", new LinkedHashMap<>(new TreeMap<>(s.tags())));
    }
    return m;
  }

  private static void namespace(Map<String, Object> m, String ns) {
    if (!ns.equals(FeatureView.DEFAULT_NAMESPACE)) {
      m.put("namespace", ns);
    }
  }

  private static void putIf(Map<String, Object> m, String key, String value) {
    if (value != null && !value.isEmpty()) {
      m.put(key, value);
    }
  }

  private static void durationIf(Map<String, Object> m, String key, Duration d) {
    if (!d.isZero()) {
      m.put(key, Durations.format(d));
    }
  }

  /** Whole seconds as {@code <base>_seconds: N} (the PRD spelling), else {@code <base>: 1500ms}. */
  private static void seconds(Map<String, Object> m, String base, Duration d) {
    if (d.toMillis() % 1000 == 0) {
      m.put(base + "_seconds", d.toSeconds());
    } else {
      m.put(base, Durations.format(d));
    }
  }

  private static String write(ObjectMapper mapper, Object tree) {
    try {
      return mapper.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
