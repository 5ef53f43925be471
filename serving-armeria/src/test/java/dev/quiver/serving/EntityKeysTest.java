package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Request keys become the values the key codec takes, for every join-key type the spec rules allow
 * (STRING, INT64, INT32, BOOL, TIMESTAMP, BYTES), or a 400 naming the key: a value the codec
 * refused made the store read throw (STALE, and a failure towards opening the circuit breaker).
 */
class EntityKeysTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Entity entity(FeatureType type) {
    return new Entity("default", "thing", List.of(new JoinKey("id", type)), "", "");
  }

  private static List<List<Object>> parse(Entity e, String keysJson) throws Exception {
    List<JsonNode> keys = new ArrayList<>();
    JSON.readTree(keysJson).forEach(keys::add);
    List<List<Object>> out = EntityKeys.parse(e, keys);
    for (List<Object> k : out) {
      EntityKeyCodec.encode(e.joinKeys(), k); // what the store read does: must not throw
    }
    return out;
  }

  @Test
  void everyJoinKeyTypeParsesToWhatTheCodecTakes() throws Exception {
    assertThat(parse(entity(FeatureType.INT32), "[7, \"8\", {\"id\": -2147483648}]"))
        .containsExactly(List.of(7L), List.of(8L), List.of(-2147483648L));
    assertThat(parse(entity(FeatureType.BOOL), "[true, \"false\"]"))
        .containsExactly(List.of(true), List.of(false));
    assertThat(parse(entity(FeatureType.TIMESTAMP), "[\"2025-11-25T12:00:00Z\", 0]"))
        .containsExactly(List.of(Instant.parse("2025-11-25T12:00:00Z")), List.of(Instant.EPOCH));
    assertThat((byte[]) parse(entity(FeatureType.BYTES), "[\"AQI=\"]").get(0).get(0))
        .containsExactly(1, 2);
    assertThat(parse(entity(FeatureType.STRING), "[\"u1\"]")).containsExactly(List.of("u1"));
  }

  @Test
  void equalBytesKeysShareTheirBucketAndCacheEntry() throws Exception {
    // parsed twice: two arrays with the same bytes
    Entity e = entity(FeatureType.BYTES);
    List<Object> a = parse(e, "[\"AQI=\"]").get(0);
    List<Object> b = parse(e, "[\"AQI=\"]").get(0);
    KeyThrottle t = new KeyThrottle(1, 1);
    assertThat(t.hash("default", "thing", a)).isEqualTo(t.hash("default", "thing", b));
    ReadKey.Shape shape = new ReadKey.Shape("view-1", List.of("f"));
    assertThat(new ReadKey(shape, a, null)).isEqualTo(new ReadKey(shape, b, null));
    List<Object> pair = new ArrayList<>(List.of("x", a.get(0)));
    assertThat(new ReadKey(shape, pair, null))
        .isEqualTo(new ReadKey(shape, new ArrayList<>(List.of("x", b.get(0))), null));
  }

  @Test
  void aValueTheCodecWouldRefuseIsA400NamingTheKey() {
    for (Object[] c :
        new Object[][] {
          {
            FeatureType.INT32, "[1, 3000000000]", "keys[1]: 3000000000 is not a key of entity thing"
          },
          {FeatureType.INT32, "[\"-2147483649\"]", "keys[0]"},
          {FeatureType.BOOL, "[\"yes\"]", "(expected: true or {\"id\": ...}; join keys: id BOOL)"},
          {FeatureType.TIMESTAMP, "[\"yesterday\"]", "join keys: id TIMESTAMP"},
          {FeatureType.BYTES, "[\"not base64!\"]", "(expected: base64 text"},
          {FeatureType.STRING, "[1]", "(expected: \"1\" or {\"id\": ...}"},
          {FeatureType.STRING, "[[\"a\"]]", "(expected: \"u_123\""}
        }) {
      assertThatThrownBy(() -> parse(entity((FeatureType) c[0]), (String) c[1]))
          .as("%s %s", c[0], c[1])
          .isInstanceOf(ApiException.class)
          .hasMessageContaining((String) c[2]);
    }
  }

  @Test
  void aWrongValueInAKeyObjectIsNamedByItsJoinKey() {
    // before: field keys[0] and "5 is not a key of entity merchant", which join key unsaid
    Entity merchant =
        new Entity(
            "default",
            "merchant",
            List.of(
                new JoinKey("merchant_id", FeatureType.STRING),
                new JoinKey("country", FeatureType.STRING)),
            "",
            "");
    assertThatThrownBy(() -> parse(merchant, "[{\"merchant_id\": \"m1\", \"country\": 5}]"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.field()).isEqualTo("keys[0].country");
              assertThat(e.getMessage())
                  .isEqualTo(
                      "keys[0].country: 5 (expected: STRING, e.g. \"5\"; join keys of entity"
                          + " merchant: merchant_id STRING, country STRING)");
            });
    assertThatThrownBy(() -> parse(entity(FeatureType.INT64), "[{\"id\": \"seven\"}]"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.field()).isEqualTo("keys[0].id"));
  }
}
