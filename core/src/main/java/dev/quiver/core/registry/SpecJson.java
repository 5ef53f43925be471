package dev.quiver.core.registry;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;

/**
 * The registry's storage format for specs: the model records as JSON (Jackson, durations as
 * ISO-8601 text, map keys sorted so equal specs give equal text). Unknown properties are ignored on
 * read, so a newer Quiver may add fields without breaking an older reader of the same database.
 */
public final class SpecJson {
  /** Shared, thread-safe once configured. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addMixIn(Feature.class, FeatureMixin.class)
          .addMixIn(Source.class, SourceMixin.class)
          .addMixIn(Transformation.class, TransformationMixin.class)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private SpecJson() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "registry holds an unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(),
          e);
    }
  }

  public static FeatureView readView(String json) {
    return read(json, FeatureView.class);
  }

  public static Entity readEntity(String json) {
    return read(json, Entity.class);
  }

  public static Source readSource(String json) {
    return read(json, Source.class);
  }

  public static FeatureService readService(String json) {
    return read(json, FeatureService.class);
  }

  /**
   * SHA-256 of the canonical JSON of a view, ignoring what the registry assigns (the revision) and
   * manages (the lifecycle status). Two applies of the same spec give the same checksum.
   */
  public static String checksum(FeatureView view) {
    FeatureView canonical =
        view.withVersion(Version.of(view.version().major())).withStatus(ViewStatus.ACTIVE);
    return Transformation.sha256(write(canonical));
  }

  /** SHA-256 of any model record's canonical JSON. */
  public static String checksum(Object value) {
    return Transformation.sha256(write(value));
  }

  abstract static class FeatureMixin {
    @JsonIgnore
    abstract boolean isAggregation();

    @JsonIgnore
    abstract Object aggregationOpt();
  }

  abstract static class SourceMixin {
    @JsonIgnore
    abstract boolean isStream();
  }

  abstract static class TransformationMixin {
    @JsonIgnore
    abstract String checksum();
  }
}
