package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LookupRequest#parse(HttpData)} (a streaming fast path with the tree parser behind it)
 * against the tree parser alone ({@link
 * LookupRequest#parse(com.fasterxml.jackson.databind.JsonNode)} over a full Jackson tree, the
 * session-4 implementation): on generated bodies, valid and not, both must give an equal request or
 * the same error (status, code, field, message).
 */
class LookupRequestTest {
  /** A parse outcome: the request, or the error's parts. */
  private record Outcome(LookupRequest request, String error) {}

  private static Outcome run(java.util.function.Supplier<LookupRequest> parse) {
    try {
      return new Outcome(parse.get(), null);
    } catch (ApiException e) {
      return new Outcome(
          null, e.status().code() + " " + e.code() + " " + e.field() + " " + e.getMessage());
    }
  }

  private static Outcome streaming(byte[] body) {
    return run(() -> LookupRequest.parse(HttpData.wrap(body)));
  }

  private static Outcome tree(byte[] body) {
    return run(
        () -> {
          if (body.length == 0) {
            throw ApiException.badRequest(null, "request body: empty (expected: a JSON object)");
          }
          return LookupRequest.parse(LookupRequest.readTree(body));
        });
  }

  private static final String[][] VALUES = {
    // entity_name
    {"\"user\"", "\"\"", "\"  \"", "null", "42", "[\"user\"]", "{\"a\":1}", "\"us\\u0065r\""},
    // namespace
    {"\"default\"", "\"ns1\"", "null", "7", "\"\""},
    // keys
    {
      "[\"u1\"]",
      "[\"u1\",\"u2\",\"\"]",
      "[]",
      "[42]",
      "[{\"user_id\":\"u1\"}]",
      "\"u1\"",
      "null",
      "[null]",
      "[\"a\",1]",
      "[\"\\u00e9\\\"x\\\\\"]",
      "[\"u1\",]",
      "[true]"
    },
    // features
    {
      "[\"f1\"]", "[\"f1\",\"v.f2\",\"f3:v3\",\"view:v3.f4\"]", "[]", "[\"bad::\"]", "[\" \"]",
      "[{\"name\":\"f\",\"version\":\"v3\"}]", "\"f\"", "null", "[1]", "[\"f:latest\"]"
    },
    // feature_service
    {"\"svc\"", "null", "3", "\"\""},
    // options
    {"{\"timeout_ms\":100}", "{\"consistency\":\"strong\"}", "{\"x\":1}", "5", "null", "{}"},
    // as_of
    {
      "\"2025-11-25T12:00:00Z\"",
      "1700000000000",
      "\"bad\"",
      "null",
      "1.5",
      "18446744073709551616",
      "9223372036854775807",
      "\"+10000-01-01T00:00:00Z\""
    },
    // an unknown field
    {"1", "\"x\"", "null"}
  };

  private static final String[] NAMES = {
    "entity_name", "namespace", "keys", "features", "feature_service", "options", "as_of", "foo"
  };

  private static String body(SplittableRandom rnd) {
    List<String> fields = new ArrayList<>();
    // The common shape most of the time, so that the fast path is exercised hard.
    double[] presence = {0.95, 0.3, 0.95, 0.85, 0.15, 0.1, 0.08, 0.03};
    for (int f = 0; f < NAMES.length; f++) {
      if (rnd.nextDouble() < presence[f]) {
        String[] vs = VALUES[f];
        String v = rnd.nextDouble() < 0.6 ? vs[0] : vs[rnd.nextInt(vs.length)];
        fields.add("\"" + NAMES[f] + "\"" + ws(rnd) + ":" + ws(rnd) + v);
        if (rnd.nextDouble() < 0.05) { // a repeated field
          fields.add("\"" + NAMES[f] + "\":" + vs[rnd.nextInt(vs.length)]);
        }
      }
    }
    if (rnd.nextDouble() < 0.02) { // at and over the key limit
      StringBuilder k = new StringBuilder("\"keys\":[");
      int n = LookupRequest.MAX_KEYS - 1 + rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        k.append(i == 0 ? "" : ",").append("\"k").append(i).append('"');
      }
      fields.removeIf(s -> s.startsWith("\"keys\""));
      fields.add(k.append(']').toString());
    }
    java.util.Collections.shuffle(fields, new java.util.Random(rnd.nextLong()));
    String s = ws(rnd) + "{" + String.join("," + ws(rnd), fields) + "}" + ws(rnd);
    double r = rnd.nextDouble();
    if (r < 0.05) {
      s = s.substring(0, rnd.nextInt(s.length() + 1)); // truncated
    } else if (r < 0.08) {
      s = s + new String[] {"x", "}", "{}", "[", " 1", "\"", "//"}[rnd.nextInt(7)]; // trailing
    } else if (r < 0.10) {
      s = new String[] {"[]", "\"x\"", "1", "null", "[{}]", "  "}[rnd.nextInt(6)];
    }
    return s;
  }

  private static String ws(SplittableRandom rnd) {
    return rnd.nextDouble() < 0.8 ? "" : new String[] {" ", "\n", "\t ", "  "}[rnd.nextInt(4)];
  }

  @Test
  void streamingParseAgreesWithTheTreeParser() {
    SplittableRandom rnd = new SplittableRandom(20261127);
    int fast = 0;
    for (int i = 0; i < 30_000; i++) {
      byte[] b = body(rnd).getBytes(StandardCharsets.UTF_8);
      Outcome s = streaming(b);
      Outcome t = tree(b);
      assertThat(s).as(new String(b, StandardCharsets.UTF_8)).isEqualTo(t);
      if (s.request() != null) {
        fast++;
      }
    }
    // The generator must produce plenty of valid requests, or the comparison proves little.
    assertThat(fast).isGreaterThan(5_000);
  }

  @Test
  void commonShapesParse() {
    LookupRequest r =
        LookupRequest.parse(
            HttpData.ofUtf8(
                "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],"
                    + "\"features\":[\"f1\",\"v:v3.f2\"],\"namespace\":\"ns\"}"));
    assertThat(r.entityName()).isEqualTo("user");
    assertThat(r.namespace()).isEqualTo("ns");
    assertThat(r.keys()).extracting(k -> k.asText()).containsExactly("u1", "u2");
    assertThat(r.features())
        .containsExactly(
            dev.quiver.core.spec.FeatureRef.parse("f1"),
            dev.quiver.core.spec.FeatureRef.parse("v:v3.f2"));
    assertThat(r.timeoutMs()).isZero();
    assertThat(r.asOf()).isNull();
    assertThat(streaming(new byte[0]).error()).contains("request body: empty");
    // a blank namespace is the default one, as if absent, in both parsers
    byte[] blank =
        "{\"namespace\":\"\",\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f1\"]}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(streaming(blank).request().namespace()).isEqualTo("default");
    assertThat(tree(blank).request().namespace()).isEqualTo("default");
    // a blank feature service is no name: it was looked up ("unknown feature service ''", 404)
    for (String svc : List.of("\"\"", "\"  \"")) {
      byte[] b =
          ("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"feature_service\":" + svc + "}")
              .getBytes(StandardCharsets.UTF_8);
      for (Outcome o : List.of(streaming(b), tree(b))) {
        assertThat(o.error())
            .as(svc)
            .startsWith("400 INVALID_ARGUMENT feature_service feature_service: '")
            .contains("(expected: a feature service name, e.g. \"fraud_model\")");
      }
    }
  }

  /**
   * A value echoed as JSON (not quoted) was not cut to the 200 characters an error shows of one
   * input (docs/api.md, Errors): {@code options.timeout_ms: ["qqq…"]} or {@code entity_name: [...]}
   * of 1,500 characters filled the message up to its 2,000-character cap, and the cut fell on the
   * "expected" part that says how to fix the request.
   */
  @Test
  void longNonStringValuesAreShownCutInErrors() {
    String q = "[\"" + "q".repeat(1500) + "\"]";
    String base = "{\"entity_name\":\"user\",\"keys\":[\"u1\"],";
    for (String body :
        List.of(
            base + "\"features\":[\"f1\"],\"options\":{\"timeout_ms\":" + q + "}}",
            base + "\"features\":[\"f1\"],\"options\":{\"consistency\":" + q + "}}",
            base + "\"features\":[" + q + "]}",
            base + "\"features\":[{\"name\":\"f\",\"version\":" + q + "}]}",
            base + "\"features\":[\"f1\"],\"namespace\":" + q + "}",
            "{\"entity_name\":" + q + ",\"keys\":[\"u1\"],\"features\":[\"f1\"]}")) {
      Outcome o = streaming(body.getBytes(StandardCharsets.UTF_8));
      assertThat(o.error())
          .as(body.substring(0, 80))
          .startsWith("400 ")
          .contains("… (1504 characters)")
          .contains("(expected: ");
      assertThat(o.error().length()).as(o.error()).isLessThan(500);
    }
  }

  /** Feast's request fields are refused naming what Quiver's request says instead. */
  @Test
  void feastFieldsAreRefusedNamingQuiversOwn() {
    Outcome rows =
        streaming(
            "{\"entity_name\":\"user\",\"entity_rows\":[{\"user_id\":\"u1\"}],\"features\":[\"f1\"]}"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(rows.error())
        .startsWith(
            "400 INVALID_ARGUMENT entity_rows unknown field 'entity_rows' (expected one of:")
        .contains("Feast's entity_rows are keys here")
        .contains("\"keys\": [{\"user_id\": \"u_1\"}]");
    Outcome names =
        streaming(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"v.f1\"],\"full_feature_names\":true}"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(names.error())
        .contains("unknown field 'full_feature_names'")
        .contains("keyed by the feature names as requested");
    // any other unknown field: the list alone
    assertThat(
            streaming(
                    "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f1\"],\"foo\":1}"
                        .getBytes(StandardCharsets.UTF_8))
                .error())
        .endsWith("namespace, options)");
  }

  /**
   * Epoch millis sent as a string ({@code "as_of": "1764072000000"}, a number as a string, as some
   * clients send every number) was refused with "expected: ... or epoch millis": the client had
   * sent epoch millis, and the message did not say that they must be a JSON number.
   */
  @Test
  void epochMillisInAStringAreRefusedSayingToSendANumber() {
    Outcome o =
        streaming(
            ("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f1\"],"
                    + "\"as_of\":\"1764072000000\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(o.error())
        .isEqualTo(
            "400 INVALID_ARGUMENT as_of as_of: '1764072000000' (expected: an ISO-8601 instant like"
                + " 2025-11-25T12:00:00Z, or epoch millis as a JSON number without quotes:"
                + " 1764072000000)");
  }

  @Test
  void outOfRangeTimesAndMalformedVersionsAreRefusedNamingTheField() {
    String base = "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f1\"],";
    for (String asOf :
        List.of(
            "18446744073709551616", // 2^64: truncated to 0 (1970) before
            "9223372036854775807",
            "-9223372036854775808",
            "\"+10000-01-01T00:00:00Z\"",
            "\"-0001-12-31T00:00:00Z\"")) {
      Outcome o = streaming((base + "\"as_of\":" + asOf + "}").getBytes(StandardCharsets.UTF_8));
      assertThat(o.error()).as(asOf).startsWith("400 ").contains(" as_of as_of: ");
    }
    // A future as_of was answered as if that time were known (windows decayed to 0, rows expired
    // by their TTL, status OK): beyond the clock-skew leeway it is refused, within it it reads now.
    java.time.Instant now = java.time.Instant.now();
    for (String future :
        List.of(
            "\"9999-12-31T23:59:59Z\"",
            "\"" + now.plusSeconds(3600) + "\"",
            Long.toString(now.plusSeconds(120).toEpochMilli()))) {
      Outcome o = streaming((base + "\"as_of\":" + future + "}").getBytes(StandardCharsets.UTF_8));
      assertThat(o.error())
          .as(future)
          .startsWith("400 ")
          .contains(" as_of as_of: ")
          .contains("is in the future (server time ")
          .contains("expected: at most 60 s after it");
    }
    java.time.Instant skewed =
        streaming(
                (base + "\"as_of\":\"" + java.time.Instant.now().plusSeconds(30) + "\"}")
                    .getBytes(StandardCharsets.UTF_8))
            .request()
            .asOf();
    assertThat(skewed).isBetween(now, java.time.Instant.now());
    assertThat(
            streaming(
                    (base + "\"as_of\":\"2025-12-31T23:59:59Z\"}").getBytes(StandardCharsets.UTF_8))
                .request()
                .asOf())
        .isEqualTo(java.time.Instant.parse("2025-12-31T23:59:59Z"));
    Outcome t =
        streaming(
            (base.replace("\"features\":[\"f1\"],", "")
                    + "\"features\":[{\"name\":\"f1\",\"version\":\"v-1\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(t.error()).startsWith("400 ").contains(" features[0].version ").contains("v-1");
    Outcome blank =
        streaming(
            (base.replace("\"features\":[\"f1\"],", "")
                    + "\"features\":[{\"name\":\"f1\",\"version\":\" \"}]}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(blank.error())
        .startsWith("400 ")
        .contains(" features[0].version features[0].version: ")
        .doesNotContain("version.version");
    // a version in the name and another in "version" is refused, the same one twice is not
    Outcome twice = withFeatures(base, "{\"name\":\"view:v9.f1\",\"version\":\"v1\"}");
    assertThat(twice.error())
        .isEqualTo(
            "400 INVALID_ARGUMENT features[0].version features[0].version: 'v1' but the name"
                + " 'view:v9.f1' pins 'v9' (expected: the version once, in the name or in"
                + " version)");
    assertThat(
            withFeatures(base, "{\"name\":\"f1:V3\",\"version\":\"3\"}")
                .request()
                .features()
                .get(0)
                .version())
        .isEqualTo("3");
    Outcome tooLong =
        streaming(
            (base.replace("\"features\":[\"f1\"],", "") + "\"features\":[\"f1:v1234567\"]}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(tooLong.error()).startsWith("400 ").contains(" features[0] ").contains("v1234567");
    Outcome timeout =
        streaming(
            (base + "\"options\":{\"timeout_ms\":18446744073709551617}}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(timeout.error()).startsWith("400 ").contains(" options.timeout_ms ");
  }

  /** {@code base} (which ends with a comma) with {@code features} as its only feature. */
  private static Outcome withFeatures(String base, String feature) {
    return streaming(
        (base.replace("\"features\":[\"f1\"],", "") + "\"features\":[" + feature + "]}")
            .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A field given twice, or anything after the object, is malformed JSON (session 11 QA pass:
   * {@code {"entity_name":"user",...,"entity_name":"merchant"}} answered for merchant, and {@code
   * {...} trailing} was served as if the junk were not there).
   */
  @Test
  void repeatedFieldsAndTrailingContentAreRefused() {
    String ok = "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f1\"]";
    Outcome twice =
        streaming((ok + ",\"entity_name\":\"merchant\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(twice.error())
        .startsWith("400 INVALID_ARGUMENT null malformed JSON: Duplicate field 'entity_name'");
    Outcome optionsTwice =
        streaming(
            (ok + ",\"options\":{\"timeout_ms\":5,\"timeout_ms\":50}}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(optionsTwice.error()).contains("Duplicate field 'timeout_ms'");
    for (String trailing : List.of(" trailing", " {\"keys\":[\"u2\"]}", "]")) {
      Outcome after = streaming((ok + "}" + trailing).getBytes(StandardCharsets.UTF_8));
      assertThat(after.error()).as(trailing).startsWith("400 INVALID_ARGUMENT null malformed JSON");
    }
    assertThat(streaming((ok + "} ").getBytes(StandardCharsets.UTF_8)).request()).isNotNull();
    assertThat(streaming((ok + "}\n").getBytes(StandardCharsets.UTF_8)).request()).isNotNull();
  }
}
