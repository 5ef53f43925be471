package dev.quiver.catalog;

import static dev.quiver.catalog.ViewTableOptions.ENTITIES;
import static dev.quiver.catalog.ViewTableOptions.FEATURE_PREFIX;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecProblem;
import dev.quiver.core.spec.SpecValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The spec validator's rules (the same as for a YAML spec) on a view read from a {@code CREATE
 * TABLE} / {@code ALTER TABLE}, each problem in SQL words ({@link SqlSpelling}), so that they are
 * reported together with the {@link TableDefinitionReader}'s own, all at once.
 */
final class TableDefinitionRules {
  /** Stands in for missing entities (reported by the reader) so that the other rules run. */
  static final String MISSING_ENTITY = "entity_not_given";

  /**
   * @param errors problems that refuse the statement
   * @param warnings problems that do not
   */
  record Found(List<String> errors, List<String> warnings) {}

  private TableDefinitionRules() {}

  /**
   * @param declared the entities the statement declares (the registry's are looked up)
   * @param reported the reader's problems: a column or option found wrong there is not reported
   *     twice
   */
  static Found check(
      FeatureRegistry registry,
      String namespace,
      FeatureView view,
      List<Entity> declared,
      List<String> reported) {
    List<SpecProblem> found = new ArrayList<>();
    for (Entity e : declared) {
      found.addAll(SpecValidator.validate(e));
    }
    found.addAll(
        SpecValidator.validate(
            view,
            name ->
                declared.stream()
                    .filter(e -> e.name().equals(name))
                    .findFirst()
                    .or(() -> entity(registry, namespace, name))));
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    boolean noEntities = view.entities().contains(MISSING_ENTITY);
    for (SpecProblem p : found) {
      String element = SqlSpelling.element(p.path(), view);
      if (!p.isError()) {
        warnings.add(SqlSpelling.describe(p, view));
      } else if (reported.stream().noneMatch(r -> r.startsWith(element + ":"))
          && !ownOptionReported(element, reported)
          && !(noEntities && element.contains(ENTITIES))) {
        errors.add(SqlSpelling.describe(p, view));
      }
    }
    return new Found(errors, warnings);
  }

  /**
   * A column whose own option ({@code quiver.feature.<column>.aggregation}) the reader found wrong
   * was read without it (as a row feature): the rules' problems with that reading ("not a column of
   * the source") would blame the column for the option's mistake.
   */
  private static boolean ownOptionReported(String element, List<String> reported) {
    if (!element.startsWith("column '")) {
      return false;
    }
    String column = element.substring("column '".length(), element.length() - 1);
    return reported.stream()
        .anyMatch(r -> r.startsWith("option '" + FEATURE_PREFIX + column + "."));
  }

  private static Optional<Entity> entity(FeatureRegistry registry, String namespace, String name) {
    if (name.equals(MISSING_ENTITY)) {
      return Optional.empty();
    }
    try {
      return registry.getEntity(namespace, name);
    } catch (RuntimeException e) {
      throw CatalogErrors.convert(e, "get entity " + namespace + "." + name, null);
    }
  }
}
