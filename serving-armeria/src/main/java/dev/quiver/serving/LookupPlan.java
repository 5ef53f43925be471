package dev.quiver.serving;

import com.fasterxml.jackson.core.io.SerializedString;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.JoinKey;
import java.util.List;

/**
 * A feature list resolved against the registry: which view versions to read, which of their
 * features, and where each answer goes. Immutable and cached per (namespace, entity, feature list)
 * for {@code server.plan-cache.ttl}, so the hot path never touches the registry.
 *
 * @param outputNames response field names, in request order
 * @param outputRead for each output, the index of its {@link ViewRead}
 * @param outputFeature for each output, the index of the feature in that read
 * @param warnings deprecation and other warnings to return to the caller
 * @param encodedNames {@code outputNames} as JSON strings encoded once per plan (the response
 *     writer writes them for every key of every answer)
 * @param encodedVersions each read's {@code version}, encoded once per plan
 */
record LookupPlan(
    Entity entity,
    List<ViewRead> reads,
    String[] outputNames,
    int[] outputRead,
    int[] outputFeature,
    List<String> warnings,
    SerializedString[] encodedNames,
    SerializedString[] encodedVersions) {

  LookupPlan(
      Entity entity,
      List<ViewRead> reads,
      String[] outputNames,
      int[] outputRead,
      int[] outputFeature,
      List<String> warnings) {
    this(
        entity,
        reads,
        outputNames,
        outputRead,
        outputFeature,
        warnings,
        encode(outputNames),
        encode(reads.stream().map(ViewRead::version).toArray(String[]::new)));
  }

  /** Encodes each text now, so that the plan's readers on other threads share the bytes. */
  private static SerializedString[] encode(String[] texts) {
    SerializedString[] out = new SerializedString[texts.length];
    for (int i = 0; i < texts.length; i++) {
      out[i] = new SerializedString(texts[i]);
      out[i].asQuotedUTF8(); // computed and cached here, not on first use per answer
    }
    return out;
  }

  /**
   * One view version to read.
   *
   * @param features feature names to read (the same list instance is used in cache keys)
   * @param version the resolved version text, e.g. {@code v3} or {@code v3.1}
   * @param maxStalenessNanos the near cache bound for this view; 0 = no caching
   * @param ttlMillis the view's TTL, applied again to last-known-good values
   */
  record ViewRead(
      ViewRecord record,
      List<JoinKey> joinKeys,
      List<String> features,
      String version,
      long maxStalenessNanos,
      long ttlMillis) {
    String id() {
      return record.id();
    }
  }
}
