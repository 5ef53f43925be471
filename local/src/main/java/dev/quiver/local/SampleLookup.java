package dev.quiver.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.jobs.ViewResolution;
import java.util.List;
import java.util.Optional;

/**
 * The lookup request {@code quiver local} prints as a first thing to try: the examples' user
 * features when {@code user_activity} runs, else up to three features of the first running view
 * with one entity, for keys the sample generator produces ({@code <prefix>_1} for a STRING key
 * named {@code <prefix>_id}, 1 and 2 for a number). A registry holding only one's own views used to
 * get the examples' request, which named an entity and features it did not have.
 */
final class SampleLookup {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String EXAMPLES =
      "{\"entity_name\": \"user\", \"keys\": [\"user_1\", \"user_2\"], \"features\": [{\"name\":"
          + " \"user_txn_count_1h\"}, {\"name\": \"user_spend_usd_1h\"}, {\"name\":"
          + " \"user_last_currency\"}]}";

  private SampleLookup() {}

  /** The request body, or empty when no running view has exactly one entity. */
  static Optional<String> body(List<ViewResolution> running) {
    if (running.stream()
        .anyMatch(
            r ->
                r.view().qualifiedName().equals("default.user_activity")
                    && r.view().feature("user_last_currency").isPresent())) {
      return Optional.of(EXAMPLES);
    }
    return running.stream()
        .filter(r -> r.view().entities().size() == 1 && r.view().online())
        .findFirst()
        .map(SampleLookup::body);
  }

  static String body(ViewResolution r) {
    FeatureView v = r.view();
    ObjectNode req = JSON.createObjectNode();
    if (!v.namespace().equals(FeatureView.DEFAULT_NAMESPACE)) {
      req.put("namespace", v.namespace());
    }
    req.put("entity_name", v.entities().get(0));
    ArrayNode keys = req.putArray("keys");
    for (int i = 1; i <= 2; i++) {
      if (r.keys().size() == 1) {
        put(keys, r.keys().get(0), i);
      } else {
        ObjectNode key = keys.addObject();
        for (JoinKey k : r.keys()) {
          put(key, k, i);
        }
      }
    }
    ArrayNode features = req.putArray("features");
    v.features().stream()
        .limit(3)
        .map(Feature::name)
        .forEach(n -> features.addObject().put("name", v.name() + "." + n));
    return req.toString();
  }

  private static void put(ArrayNode keys, JoinKey k, int i) {
    if (k.type().scalar().isNumeric()) {
      keys.add(i);
    } else {
      keys.add(text(k, i));
    }
  }

  private static void put(ObjectNode key, JoinKey k, int i) {
    if (k.type().scalar().isNumeric()) {
      key.put(k.name(), i);
    } else {
      key.put(k.name(), text(k, i));
    }
  }

  private static String text(JoinKey k, int i) {
    String n = k.name();
    return n.endsWith("_id") && k.type().scalar() == FeatureType.Scalar.STRING
        ? n.substring(0, n.length() - 3) + "_" + i
        : n + "_" + i;
  }
}
