package dev.quiver.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.linecorp.armeria.common.HttpData;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed lookup body (PRD §11.2): {@code entity_name}, {@code keys}, {@code features} (strings
 * {@code "f"}, {@code "f:v3"}, {@code "view.f"}, {@code "view:v3.f"} or objects {@code {name,
 * version}}) or {@code feature_service}, {@code options {timeout_ms, consistency}}, {@code as_of}
 * and {@code namespace}. Unknown fields are refused so that a typo never silently changes the
 * answer.
 *
 * <p>{@link #parse(HttpData)} reads the common shape (strings for {@code entity_name}, {@code
 * namespace}, {@code feature_service}, the keys and the features; no options, no {@code as_of})
 * with Jackson's streaming parser straight from the body, without building a JSON tree; any other
 * body, and every body it would refuse, is parsed again as a tree by {@link #parse(JsonNode)},
 * which owns every error message. So both paths answer alike by construction ({@code
 * LookupRequestTest} compares them on generated bodies).
 *
 * @param timeoutMs the deadline, or 0 for the server default
 */
record LookupRequest(
    String namespace,
    String entityName,
    List<JsonNode> keys,
    List<FeatureRef> features,
    String featureService,
    long timeoutMs,
    boolean strong,
    Instant asOf) {

  static final int MAX_KEYS = 5_000;
  static final long MAX_TIMEOUT_MS = 60_000;

  /** The earliest {@code as_of}: event times are Flink timestamps, years 0000 to 9999. */
  static final Instant MIN_AS_OF = Instant.parse("0000-01-01T00:00:00Z");

  /** The latest {@code as_of} the range check allows (the future check below is tighter). */
  static final Instant MAX_AS_OF = Instant.parse("9999-12-31T23:59:59.999Z");

  /**
   * How far past the server's clock an {@code as_of} may be: clients that send "now" from their own
   * clock run a little ahead (the leeway JWT libraries allow for the same skew). Beyond it the
   * lookup would answer about a time that has not happened yet (window aggregations decayed to 0,
   * rows expired by their TTL) as if it were known, so it is refused.
   */
  static final java.time.Duration AS_OF_CLOCK_SKEW = java.time.Duration.ofSeconds(60);

  private static final Set<String> FIELDS =
      Set.of("namespace", "entity_name", "keys", "features", "feature_service", "options", "as_of");
  private static final Set<String> OPTION_FIELDS = Set.of("timeout_ms", "consistency");

  private static final JsonFactory FACTORY = new ObjectMapper().getFactory();

  /**
   * The tree path's mapper: a repeated field is an error, as an unknown one is (Jackson's default,
   * the last value wins, let {@code "entity_name"} given twice silently change the answer). Only
   * the tree path pays for the check; the fast path hands repeated fields to it.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Parses a request body; a malformed or invalid body is an {@link ApiException} (400). */
  static LookupRequest parse(HttpData content) {
    if (content.isEmpty()) {
      throw ApiException.badRequest(null, "request body: empty (expected: a JSON object)");
    }
    byte[] body = content.array();
    LookupRequest fast;
    try (JsonParser p = FACTORY.createParser(body)) {
      fast = parseCommon(p);
    } catch (IOException | IllegalArgumentException e) {
      fast = null; // the tree parse below reports it
    }
    return fast != null ? fast : parse(readTree(body));
  }

  static JsonNode readTree(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      JsonNode tree = JSON.readTree(p);
      if (tree != null && p.nextToken() != null) {
        // readTree stops after the first value: "{...} junk" or "{...}{...}" would pass
        throw ApiException.badRequest(
            null,
            "malformed JSON: more after the request object at line "
                + p.currentTokenLocation().getLineNr()
                + ", column "
                + p.currentTokenLocation().getColumnNr()
                + " (expected: one JSON object)");
      }
      return tree;
    } catch (JsonProcessingException e) {
      throw ApiErrors.toApiException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The streaming fast path: the request when the body has the common shape and is valid, else null
   * (then {@link #parse(JsonNode)} parses it again and gives the answer or the error).
   */
  private static LookupRequest parseCommon(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    String namespace = null;
    String entity = null;
    String service = null;
    List<JsonNode> keys = null;
    List<FeatureRef> features = null;
    int seen = 0; // one bit per field: a repeated field takes the tree path
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      int bit;
      switch (field) {
        case "entity_name" -> {
          bit = 1;
          if ((entity = stringValue(p)) == null) {
            return null;
          }
        }
        case "namespace" -> {
          bit = 2;
          if ((namespace = stringValue(p)) == null) {
            return null;
          }
        }
        case "feature_service" -> {
          bit = 4;
          if ((service = stringValue(p)) == null) {
            return null;
          }
        }
        case "keys" -> {
          bit = 8;
          if (p.nextToken() != JsonToken.START_ARRAY) {
            return null;
          }
          keys = new ArrayList<>();
          while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
            if (keys.size() == MAX_KEYS) {
              return null;
            }
            keys.add(TextNode.valueOf(p.getText()));
          }
          if (t != JsonToken.END_ARRAY) {
            return null;
          }
        }
        case "features" -> {
          bit = 16;
          if (p.nextToken() != JsonToken.START_ARRAY) {
            return null;
          }
          features = new ArrayList<>();
          while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
            features.add(ref(p.getText())); // IllegalArgumentException: tree path
          }
          if (t != JsonToken.END_ARRAY) {
            return null;
          }
        }
        default -> {
          return null; // options, as_of, or a field the tree path refuses
        }
      }
      if ((seen & bit) != 0) {
        return null;
      }
      seen |= bit;
    }
    if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
      return null;
    }
    if (entity == null || entity.isBlank() || keys == null || keys.isEmpty()) {
      return null;
    }
    if (features == null
        ? service == null || service.isBlank()
        : service != null || features.isEmpty()) {
      return null;
    }
    return new LookupRequest(
        namespace == null || namespace.isBlank() ? FeatureView.DEFAULT_NAMESPACE : namespace,
        entity,
        keys,
        features == null ? List.of() : features,
        service,
        0,
        false,
        null);
  }

  /** Parsed feature texts of recent requests (see {@link #ref}); bounded by {@link #MAX_REFS}. */
  private static final java.util.concurrent.ConcurrentHashMap<String, FeatureRef> REFS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_REFS = 4_096;

  /**
   * {@link FeatureRef#parse} of {@code text}, one shared instance per text: lookups repeat the same
   * feature lists, and the plan cache then compares their refs by identity. A text that does not
   * parse throws as {@link FeatureRef#parse} does and is not kept; past {@link #MAX_REFS} distinct
   * texts (a client varying them) the map starts over.
   */
  static FeatureRef ref(String text) {
    FeatureRef r = REFS.get(text);
    if (r != null) {
      return r;
    }
    r = FeatureRef.parse(text);
    if (REFS.size() >= MAX_REFS) {
      REFS.clear();
    }
    FeatureRef known = REFS.putIfAbsent(text, r);
    return known != null ? known : r;
  }

  /** The next value's text if it is a JSON string, else null (then the tree path decides). */
  private static String stringValue(JsonParser p) throws IOException {
    return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  /** Feast's request fields, answered with what Quiver's request says instead. */
  private static final Map<String, String> FEAST_FIELDS =
      Map.of(
          "entity_rows",
          "; Feast's entity_rows are keys here, with entity_name: {\"entity_name\": \"user\","
              + " \"keys\": [\"u_1\"]} or \"keys\": [{\"user_id\": \"u_1\"}]",
          "full_feature_names",
          "; answers are keyed by the feature names as requested: ask for \"view.f\" to get"
              + " \"view.f\"");

  static LookupRequest parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest(
          null,
          "request body: expected a JSON object like {\"entity_name\":\"user\",\"keys\":[\"u_1\"],"
              + "\"features\":[\"f\"]}");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw ApiException.badRequest(
            f,
            "unknown field '"
                + f
                + "' (expected one of: "
                + String.join(", ", sorted(FIELDS))
                + ")"
                + FEAST_FIELDS.getOrDefault(f, ""));
      }
    }
    String namespace = optText(root, "namespace", FeatureView.DEFAULT_NAMESPACE);
    if (namespace.isBlank()) {
      namespace = FeatureView.DEFAULT_NAMESPACE; // as if absent (was "unknown entity 'user' in
      // namespace  (namespace  has no entities ...")
    }
    String entity = optText(root, "entity_name", null);
    if (entity == null || entity.isBlank()) {
      throw ApiException.badRequest(
          "entity_name", "entity_name: missing (expected: e.g. \"user\")");
    }
    JsonNode keysNode = root.get("keys");
    if (keysNode == null || !keysNode.isArray()) {
      throw ApiException.badRequest(
          "keys", "keys: expected an array of entity keys, e.g. [\"u_123\"]");
    }
    if (keysNode.isEmpty()) {
      throw ApiException.badRequest("keys", "keys: [] (expected: at least one key)");
    }
    if (keysNode.size() > MAX_KEYS) {
      throw ApiException.badRequest(
          "keys",
          "keys: "
              + keysNode.size()
              + " keys (expected: at most "
              + MAX_KEYS
              + " per request); split the batch");
    }
    List<JsonNode> keys = new ArrayList<>(keysNode.size());
    keysNode.forEach(keys::add);

    String service = optText(root, "feature_service", null);
    if (service != null && service.isBlank()) {
      // was looked up: "unknown feature service '' ..." (404)
      throw ApiException.badRequest(
          "feature_service",
          "feature_service: '"
              + service
              + "' (expected: a feature service name, e.g. \"fraud_model\")");
    }
    JsonNode featuresNode = root.get("features");
    List<FeatureRef> features = List.of();
    if (featuresNode != null && !featuresNode.isNull()) {
      if (service != null) {
        throw ApiException.badRequest(
            "feature_service", "give either features or feature_service, not both");
      }
      features = parseFeatures(featuresNode);
    } else if (service == null) {
      throw ApiException.badRequest(
          "features", "features: missing (expected: a list of feature names, or feature_service)");
    }

    long timeoutMs = 0;
    boolean strong = false;
    JsonNode options = root.get("options");
    if (options != null && !options.isNull()) {
      if (!options.isObject()) {
        throw ApiException.badRequest(
            "options", "options: expected an object {timeout_ms, consistency}");
      }
      for (Iterator<String> it = options.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!OPTION_FIELDS.contains(f)) {
          throw ApiException.badRequest(
              "options." + f,
              "unknown field 'options." + f + "' (expected: timeout_ms, consistency)");
        }
      }
      JsonNode t = options.get("timeout_ms");
      if (t != null && !t.isNull()) {
        if (!t.isIntegralNumber()
            || !t.canConvertToLong()
            || t.asLong() < 1
            || t.asLong() > MAX_TIMEOUT_MS) {
          throw ApiException.badRequest(
              "options.timeout_ms",
              "options.timeout_ms: "
                  + ApiException.echo(t)
                  + " (expected: an integer 1.."
                  + MAX_TIMEOUT_MS
                  + ")");
        }
        timeoutMs = t.asLong();
      }
      JsonNode c = options.get("consistency");
      if (c != null && !c.isNull()) {
        String v = c.isTextual() ? c.asText() : c.toString();
        switch (v.toLowerCase(java.util.Locale.ROOT)) {
          case "eventual" -> strong = false;
          case "strong" -> strong = true;
          default ->
              throw ApiException.badRequest(
                  "options.consistency",
                  "options.consistency: '" + v + "' (expected: eventual or strong)");
        }
      }
    }
    Instant asOf = null;
    JsonNode a = root.get("as_of");
    if (a != null && !a.isNull()) {
      try {
        // a number beyond a long is refused, not truncated (2^64 would read as 1970)
        if (a.isIntegralNumber() && !a.canConvertToLong()) {
          throw new ArithmeticException("beyond epoch millis");
        }
        asOf = a.isIntegralNumber() ? Instant.ofEpochMilli(a.asLong()) : Instant.parse(a.asText());
      } catch (DateTimeParseException | ArithmeticException e) {
        throw ApiException.badRequest(
            "as_of",
            "as_of: '"
                + a.asText()
                + "' (expected: an ISO-8601 instant like 2025-11-25T12:00:00Z, or epoch millis as a"
                + " JSON number without quotes: 1764072000000)");
      }
      if (!a.isIntegralNumber() && !a.isTextual()) {
        throw ApiException.badRequest("as_of", "as_of: expected an ISO-8601 instant string");
      }
      if (asOf.isBefore(MIN_AS_OF) || asOf.isAfter(MAX_AS_OF)) {
        throw ApiException.badRequest(
            "as_of",
            "as_of: '"
                + a.asText()
                + "' (expected: a time between "
                + MIN_AS_OF
                + " and "
                + MAX_AS_OF
                + ", the range of event times)");
      }
      Instant now = Instant.now();
      if (asOf.isAfter(now.plus(AS_OF_CLOCK_SKEW))) {
        throw ApiException.badRequest(
            "as_of",
            "as_of: '"
                + a.asText()
                + "' is in the future (server time "
                + now
                + "; expected: at most "
                + AS_OF_CLOCK_SKEW.toSeconds()
                + " s after it, the clock skew allowed; omit as_of for the current values)");
      }
      if (asOf.isAfter(now)) {
        asOf = now; // within the skew: the client meant "now"
      }
    }
    return new LookupRequest(namespace, entity, keys, features, service, timeoutMs, strong, asOf);
  }

  private static List<FeatureRef> parseFeatures(JsonNode node) {
    if (!node.isArray()) {
      throw ApiException.badRequest(
          "features",
          "features: expected an array like [\"f\", {\"name\":\"g\",\"version\":\"v3\"}]");
    }
    if (node.isEmpty()) {
      throw ApiException.badRequest("features", "features: [] (expected: at least one feature)");
    }
    List<FeatureRef> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode f = node.get(i);
      if (f.isTextual()) { // the common case, without building the field name of an error
        try {
          out.add(FeatureRef.parse(f.asText()));
          continue;
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest(
              "features[" + i + "]", "features[" + i + "]: " + e.getMessage());
        }
      }
      String field = "features[" + i + "]";
      try {
        if (f.isObject()) {
          for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            String k = it.next().getKey();
            if (!k.equals("name") && !k.equals("version")) {
              throw ApiException.badRequest(
                  field + "." + k,
                  "unknown field '" + k + "' in " + field + " (expected: name, version)");
            }
          }
          JsonNode name = f.get("name");
          if (name == null || !name.isTextual()) {
            throw ApiException.badRequest(
                field + ".name", field + ".name: missing (expected: a feature name string)");
          }
          FeatureRef r = FeatureRef.parse(name.asText());
          JsonNode v = f.get("version");
          if (v != null && !v.isNull()) {
            if (!v.isTextual() || v.asText().isBlank()) {
              throw ApiException.badRequest(
                  field + ".version",
                  field
                      + ".version: "
                      + ApiException.echo(v)
                      + " (expected: e.g. \"v3\" or \"latest\")");
            }
            String ver = v.asText();
            if (r.version() != null && !sameVersion(r.version(), ver)) {
              // {"name":"f:v9","version":"v1"} answered v1: one of the two pins was dropped
              throw ApiException.badRequest(
                  field + ".version",
                  field
                      + ".version: '"
                      + ver
                      + "' but the name '"
                      + name.asText()
                      + "' pins '"
                      + r.version()
                      + "' (expected: the version once, in the name or in version)");
            }
            try {
              r =
                  new FeatureRef(
                      r.view(), ver.equalsIgnoreCase("latest") ? null : ver, r.feature());
            } catch (IllegalArgumentException e) { // a malformed version (FeatureRef checks it)
              throw ApiException.badRequest(
                  field + ".version", field + ".version: " + e.getMessage());
            }
          }
          out.add(r);
        } else {
          throw ApiException.badRequest(
              field,
              field
                  + ": "
                  + ApiException.echo(f)
                  + " (expected: a string like \"f:v3\" or {\"name\":\"f\"})");
        }
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(field, field + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** {@code v3} and {@code 3}, {@code LATEST} and {@code latest}: the same reference. */
  private static boolean sameVersion(String a, String b) {
    return stripV(a).equalsIgnoreCase(stripV(b));
  }

  private static String stripV(String version) {
    String t = version.trim();
    return t.length() > 1 && (t.charAt(0) == 'v' || t.charAt(0) == 'V') ? t.substring(1) : t;
  }

  private static String optText(JsonNode root, String field, String def) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return def;
    }
    if (!n.isTextual()) {
      throw ApiException.badRequest(
          field, field + ": " + ApiException.echo(n) + " (expected: a string)");
    }
    return n.asText();
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
