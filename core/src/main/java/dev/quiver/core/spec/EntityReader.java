package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads entity and feature service documents. */
final class EntityReader {
  static final Set<String> ENTITY_KEYS =
      Set.of("kind", "namespace", "name", "join_keys", "description", "owner");
  static final Set<String> SERVICE_KEYS =
      Set.of("kind", "namespace", "name", "features", "owner", "description", "tags");

  private static final Pattern BAD_VERSION = Pattern.compile("[^.:]+:([^.:]+)(?:\\.[^:]*)?");

  private EntityReader() {}

  static Entity entity(Fields f, String defaultNamespace) {
    f.allowOnly(ENTITY_KEYS, "an entity");
    String namespace = SourceReader.orDefault(f.text("namespace"), defaultNamespace);
    String name = f.requiredText("name", "name the entity, e.g. name: user");
    List<JoinKey> keys = new ArrayList<>();
    String keyExample = (Names.valid(name) ? name : "user") + "_id";
    if (f.require(
        "join_keys",
        "declare its keys, e.g. join_keys: [{name: " + keyExample + ", type: STRING}]")) {
      List<Node> items = f.list("join_keys", "[{name: user_id, type: STRING}]");
      for (int i = 0; i < items.size(); i++) {
        String path = "join_keys[" + i + "]";
        Fields.of(items.get(i), f.problems(), path, "{name: user_id, type: STRING}")
            .ifPresent(
                k -> {
                  k.allowOnly(Set.of("name", "type"), "a join key");
                  String key = k.requiredText("name", "name the key column, e.g. name: user_id");
                  boolean hasType = k.require("type", "give its type, e.g. type: STRING");
                  if (key != null && hasType) {
                    SpecTypes.read(k.node("type"), k.problems(), "type")
                        .ifPresent(t -> keys.add(new JoinKey(key, t)));
                  }
                });
      }
    }
    return new Entity(
        namespace, SourceReader.orDefault(name, ""), keys, f.text("description"), f.text("owner"));
  }

  static FeatureService service(Fields f, String defaultNamespace) {
    f.allowOnly(SERVICE_KEYS, "a feature service");
    String namespace = SourceReader.orDefault(f.text("namespace"), defaultNamespace);
    String name =
        f.requiredText("name", "name the service after its model, e.g. name: fraud_model");
    List<FeatureRef> refs = new ArrayList<>();
    if (f.require(
        "features",
        "list its features, e.g. features: [user_activity_metrics.user_7d_txn_count]")) {
      List<String> texts = f.texts("features", "[view.feature, view:v3.feature]");
      for (int i = 0; i < texts.size(); i++) {
        String t = texts.get(i);
        try {
          FeatureRef ref = FeatureRef.parse(t);
          if (ref.viewOpt().isEmpty()) {
            f.problems()
                .error(
                    "features[" + i + "]",
                    "'" + t + "' does not name its view",
                    "write view.feature or view:v3.feature, e.g. user_activity_metrics."
                        + ref.feature());
          } else {
            refs.add(ref);
          }
        } catch (IllegalArgumentException e) {
          Matcher bad = BAD_VERSION.matcher(t.trim());
          f.problems()
              .error(
                  "features[" + i + "]",
                  bad.matches()
                      ? "'" + bad.group(1) + "' in '" + t + "' is not a version"
                      : "'" + t + "' is not a feature reference",
                  bad.matches()
                      ? "pin a major (view:v3.feature), or leave the version out for the newest ACTIVE"
                      : "write view.feature or view:v3.feature");
        }
      }
    }
    return new FeatureService(
        namespace,
        SourceReader.orDefault(name, ""),
        refs,
        f.text("owner"),
        f.text("description"),
        f.scalarMap("tags"));
  }
}
