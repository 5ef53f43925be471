package dev.quiver.jobs.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deployment settings the generated SQL embeds: which sinks to write and how to reach them.
 *
 * @param online write the online store (rows and tiles)
 * @param offline write the Iceberg table
 * @param onlineSinkOptions options of the {@code quiver-online} sink besides the view's own (the
 *     store identifier and its {@code properties.*})
 * @param icebergCatalog the Flink catalog name of the Iceberg catalog
 * @param icebergCatalogProperties the {@code CREATE CATALOG} options ({@code type = iceberg}, …)
 */
public record PlannerSettings(
    boolean online,
    boolean offline,
    Map<String, String> onlineSinkOptions,
    String icebergCatalog,
    Map<String, String> icebergCatalogProperties) {
  public PlannerSettings {
    // Insertion order is kept so that the printed plan is stable.
    onlineSinkOptions = Collections.unmodifiableMap(new LinkedHashMap<>(onlineSinkOptions));
    icebergCatalogProperties =
        Collections.unmodifiableMap(new LinkedHashMap<>(icebergCatalogProperties));
  }
}
