package dev.quiver.core.offline;

import java.time.Instant;

/**
 * A backfill of one view version over event times {@code [from, to)}.
 *
 * @param namespace null for {@code default}
 * @param view the view name
 * @param version a version reference ({@code latest}, {@code v3}, {@code v3.1}); null for latest
 * @param from first event time included
 * @param to first event time excluded
 * @param dryRun only estimate rows, bytes, partitions and time
 * @param online also upsert the online store, throttled
 * @param source raw history to read instead of the view's own source: a Parquet path or an Iceberg
 *     table ({@code ns.table}); null for the view's source
 * @param actor who asked, for the audit log; null for {@code unknown}
 */
public record BackfillRequest(
    String namespace,
    String view,
    String version,
    Instant from,
    Instant to,
    boolean dryRun,
    boolean online,
    String source,
    String actor) {
  public BackfillRequest {
    namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    if (view == null || view.isBlank()) {
      throw new IllegalArgumentException("view: missing (expected: a feature view name)");
    }
    version = version == null || version.isBlank() ? "latest" : version;
    if (from == null || to == null) {
      throw new IllegalArgumentException(
          (from == null ? "from" : "to") + ": missing (expected: an ISO-8601 time)");
    }
    OfflineTimes.check("from", from);
    OfflineTimes.check("to", to);
    OfflineTimes.checkRange("from", from, "to", to, false);
    actor = actor == null ? "unknown" : actor;
  }
}
