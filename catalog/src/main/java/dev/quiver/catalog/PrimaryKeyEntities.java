package dev.quiver.catalog;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Suggestions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;

/**
 * Checks a table's primary key against the entities it names: the key is exactly their join keys.
 * An entity the registry does not know yet (only one may be) gets the key columns not claimed by
 * the others as its join keys, and is registered together with the view.
 */
final class PrimaryKeyEntities {
  private static final String ENTITIES = ViewTableOptions.ENTITIES;
  private final FeatureRegistry registry;
  private final String namespace;
  private final List<String> problems;

  PrimaryKeyEntities(FeatureRegistry registry, String namespace, List<String> problems) {
    this.registry = registry;
    this.namespace = namespace;
    this.problems = problems;
  }

  /** Checks the primary key against the entities; returns entities to register with the view. */
  List<Entity> entities(List<String> names, List<String> pk, ResolvedSchema schema) {
    if (names.isEmpty() || pk.isEmpty()) {
      return List.of();
    }
    List<String> unclaimed = new ArrayList<>(pk);
    List<String> unknown = new ArrayList<>();
    for (String name : names) {
      Optional<Entity> known = registry.getEntity(namespace, name);
      if (known.isEmpty()) {
        unknown.add(name);
        continue;
      }
      for (JoinKey key : known.get().joinKeys()) {
        Optional<Column> col = schema.getColumn(key.name());
        if (col.isEmpty() || !pk.contains(key.name())) {
          problems.add(
              "PRIMARY KEY: entity '"
                  + name
                  + "' is keyed by "
                  + key.name()
                  + " "
                  + key.type().flinkSqlType()
                  + "; add that column to the primary key");
        } else {
          FeatureType type = FlinkTypes.toFeatureType(col.get().getDataType().getLogicalType());
          if (!key.type().equals(type)) {
            problems.add(
                "column '"
                    + key.name()
                    + "': join key of entity '"
                    + name
                    + "' has type "
                    + key.type().flinkSqlType()
                    + "; declare it as "
                    + key.type().flinkSqlType());
          }
          unclaimed.remove(key.name());
        }
      }
    }
    if (unknown.size() > 1) {
      problems.add(
          "option '"
              + ENTITIES
              + "': entities "
              + unknown
              + " are not registered in namespace "
              + namespace
              + "; with more than one entity, apply their entity specs first");
      return List.of();
    }
    if (unknown.isEmpty()) {
      if (!unclaimed.isEmpty()) {
        problems.add(
            "PRIMARY KEY: columns "
                + unclaimed
                + " are not join keys of "
                + names
                + "; the primary key is exactly the entities' join keys");
      }
      return List.of();
    }
    List<String> registered = registry.listEntities(namespace).stream().map(Entity::name).toList();
    Optional<String> close = Suggestions.closest(unknown.get(0), registered);
    if (close.isPresent()) {
      // most likely a typo: registering it would create a second entity (with the same keys) and
      // the view would be served under entity_name 'drivr', not 'driver'
      problems.add(
          "option '"
              + ENTITIES
              + "': entity '"
              + unknown.get(0)
              + "' is not registered in namespace "
              + namespace
              + "; did you mean '"
              + close.get()
              + "'? (registered entities: "
              + String.join(", ", registered)
              + "). A new entity is registered with the view only under a name not close to a"
              + " registered one; to create '"
              + unknown.get(0)
              + "' anyway, apply its entity spec first (quiver apply, kind: entity)");
      return List.of();
    }
    if (unclaimed.isEmpty()) {
      problems.add(
          "option '"
              + ENTITIES
              + "': entity '"
              + unknown.get(0)
              + "' is not registered and no primary-key column is left for its join key");
      return List.of();
    }
    List<JoinKey> keys = new ArrayList<>();
    for (String column : unclaimed) {
      FeatureType type =
          schema
              .getColumn(column)
              .map(c -> FlinkTypes.toFeatureType(c.getDataType().getLogicalType()))
              .orElse(null);
      if (type == null) {
        problems.add(FlinkTypes.unsupported(schema.getColumn(column).orElseThrow()));
      } else {
        keys.add(new JoinKey(column, type));
      }
    }
    return List.of(new Entity(namespace, unknown.get(0), keys, "", ""));
  }
}
