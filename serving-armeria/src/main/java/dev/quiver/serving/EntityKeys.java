package dev.quiver.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Converts request keys into join-key value lists. A single-key entity takes a string (or an
 * integer for an integral key) or an object {@code {join_key: value}}; a multi-key entity takes
 * only objects naming every join key. Anything else is a 400 naming the key's index.
 */
final class EntityKeys {
  /**
   * The most characters a key's string values may hold together ({@link
   * EntityKeyCodec#MAX_KEY_CHARS}, the ingest gate's limit too). A longer key made HBase's client
   * throw while building the read, which counted as a store failure: the lookup answered STALE and
   * a few such requests opened the circuit breaker for every caller.
   */
  static final int MAX_KEY_CHARS = EntityKeyCodec.MAX_KEY_CHARS;

  private EntityKeys() {}

  static List<List<Object>> parse(Entity entity, List<JsonNode> keys) {
    List<JoinKey> joinKeys = entity.joinKeys();
    List<List<Object>> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      JsonNode k = keys.get(i);
      List<Object> key;
      if (k.isObject()) {
        key = fromObject(entity, k, i);
      } else if (joinKeys.size() == 1) {
        Object v = scalar(joinKeys.get(0), k);
        if (v == null) {
          throw wrongType(entity, k, i);
        }
        key = List.of(v);
      } else {
        throw wrongType(entity, k, i);
      }
      int chars = EntityKeyCodec.keyChars(key);
      if (chars > MAX_KEY_CHARS) {
        throw ApiException.badRequest(
            "keys[" + i + "]",
            "keys["
                + i
                + "]: a key of "
                + chars
                + " characters (expected: at most "
                + MAX_KEY_CHARS
                + " characters of join-key values per key)");
      }
      out.add(key);
    }
    return out;
  }

  private static List<Object> fromObject(Entity entity, JsonNode k, int i) {
    List<JoinKey> joinKeys = entity.joinKeys();
    for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (joinKeys.stream().noneMatch(j -> j.name().equals(f))) {
        throw ApiException.badRequest(
            "keys[" + i + "]." + f,
            "keys["
                + i
                + "]: '"
                + f
                + "' is not a join key of entity "
                + entity.name()
                + " (join keys: "
                + names(entity)
                + ")");
      }
    }
    Object[] parts = new Object[joinKeys.size()];
    for (int j = 0; j < joinKeys.size(); j++) {
      JoinKey jk = joinKeys.get(j);
      JsonNode v = k.get(jk.name());
      if (v == null || v.isNull()) {
        throw ApiException.badRequest(
            "keys[" + i + "]." + jk.name(),
            "keys["
                + i
                + "]: missing join key '"
                + jk.name()
                + "' (join keys: "
                + names(entity)
                + ")");
      }
      parts[j] = scalar(jk, v);
      if (parts[j] == null) {
        // named by its join key: in a composite key "keys[0]: 5 is not a key" did not say which
        String shown = v.toString();
        throw ApiException.badRequest(
            "keys[" + i + "]." + jk.name(),
            "keys["
                + i
                + "]."
                + jk.name()
                + ": "
                + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown)
                + " (expected: "
                + jk.type()
                + ", e.g. "
                + example(jk.type().scalar(), v)
                + "; join keys of entity "
                + entity.name()
                + ": "
                + names(entity)
                + ")");
      }
    }
    return List.of(parts);
  }

  /**
   * One join-key value as the key codec takes it. A value the codec would refuse (an INT32 beyond
   * its range, a BOOL or TIMESTAMP key) used to pass here and make the store read throw: a store
   * failure, answered STALE, that counted towards opening the circuit breaker for every caller.
   *
   * @return null when {@code v} is no value of the join key's type
   */
  private static Object scalar(JoinKey jk, JsonNode v) {
    switch (jk.type().scalar()) {
      case STRING -> {
        if (v.isTextual()) {
          return v.asText();
        }
      }
      case INT64, INT32 -> {
        Long n = null;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          n = v.asLong();
        } else if (v.isTextual()) {
          try {
            n = Long.parseLong(v.asText());
          } catch (NumberFormatException e) {
            // the type error below
          }
        }
        if (n != null && (jk.type().scalar() == FeatureType.Scalar.INT64 || n == n.intValue())) {
          return n;
        }
      }
      case BOOL -> {
        if (v.isBoolean()) {
          return v.booleanValue();
        }
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
          return Boolean.parseBoolean(v.asText());
        }
      }
      case TIMESTAMP -> {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return java.time.Instant.ofEpochMilli(v.asLong());
        }
        if (v.isTextual()) {
          try {
            return java.time.Instant.parse(v.asText());
          } catch (java.time.format.DateTimeParseException e) {
            // the type error below
          }
        }
      }
      case BYTES -> {
        if (v.isTextual()) {
          try {
            return java.util.Base64.getDecoder().decode(v.asText());
          } catch (IllegalArgumentException e) {
            // the type error below
          }
        }
      }
      default -> {
        // FLOAT32/FLOAT64 and arrays are no join keys (ServiceRules refuses them)
      }
    }
    return null;
  }

  private static ApiException wrongType(Entity entity, JsonNode v, int i) {
    List<JoinKey> jks = entity.joinKeys();
    String example =
        jks.size() == 1
            ? example(jks.get(0).type().scalar(), v) + " or {\"" + jks.get(0).name() + "\": ...}"
            : "{"
                + String.join(", ", jks.stream().map(j -> "\"" + j.name() + "\": ...").toList())
                + "}";
    String shown = v.toString();
    if (shown.length() > 60) {
      shown = shown.substring(0, 60) + "...";
    }
    return ApiException.badRequest(
        "keys[" + i + "]",
        "keys["
            + i
            + "]: "
            + shown
            + " is not a key of entity "
            + entity.name()
            + " (expected: "
            + example
            + "; join keys: "
            + names(entity)
            + ")");
  }

  /**
   * An example of a valid key value; for a STRING key sent as a number or boolean, that value as a
   * string ({@code "123"}: keys are compared as text, and the fix is to quote it).
   */
  private static String example(FeatureType.Scalar s, JsonNode sent) {
    if (s == FeatureType.Scalar.STRING && (sent.isNumber() || sent.isBoolean())) {
      return "\"" + sent.asText() + "\"";
    }
    return switch (s) {
      case INT32, INT64 -> "42";
      case BOOL -> "true";
      case TIMESTAMP -> "\"2025-11-25T12:00:00Z\" or epoch millis";
      case BYTES -> "base64 text";
      default -> "\"u_123\"";
    };
  }

  private static String names(Entity e) {
    return String.join(", ", e.joinKeys().stream().map(j -> j.name() + " " + j.type()).toList());
  }
}
