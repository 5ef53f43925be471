package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.jobs.ViewResolution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lookup {@code quiver local} prints names a running view's entity and features: with only
 * one's own views applied it printed the examples' user lookup, whose entity and features the
 * registry did not have (session 16 own-spec review).
 */
class SampleLookupTest {
  private static ViewResolution view(String name, String entity, List<JoinKey> keys) {
    Source source =
        new Source(
            "default",
            "orders",
            "kafka",
            List.of(
                new SourceField("customer_id", FeatureType.STRING),
                new SourceField("store_id", FeatureType.STRING),
                new SourceField("total", FeatureType.FLOAT64),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            null,
            Duration.ZERO,
            Map.of("topic", "my_orders", "format", "json"));
    FeatureView v =
        FeatureView.builder(name)
            .entities(List.of(entity))
            .source(source)
            .features(
                List.of(
                    Feature.row("a", FeatureType.FLOAT64),
                    Feature.row("b", FeatureType.FLOAT64),
                    Feature.row("c", FeatureType.FLOAT64),
                    Feature.row("d", FeatureType.FLOAT64)))
            .ttl(Duration.ofDays(1))
            .build();
    return new ViewResolution(v, keys);
  }

  @Test
  void ownViewsGetALookupOfTheirOwnEntityAndFeatures() throws Exception {
    String body =
        SampleLookup.body(
                List.of(
                    view(
                        "customer_orders",
                        "customer",
                        List.of(new JoinKey("customer_id", FeatureType.STRING)))))
            .orElseThrow();
    JsonNode req = new ObjectMapper().readTree(body);
    assertThat(req.get("entity_name").asText()).isEqualTo("customer");
    assertThat(req.get("keys").toString()).isEqualTo("[\"customer_1\",\"customer_2\"]");
    assertThat(req.get("features").toString())
        .isEqualTo(
            "[{\"name\":\"customer_orders.a\"},{\"name\":\"customer_orders.b\"},"
                + "{\"name\":\"customer_orders.c\"}]");
    assertThat(body).doesNotContain("user");
  }

  @Test
  void compositeAndNumericKeys() throws Exception {
    String body =
        SampleLookup.body(
                List.of(
                    view(
                        "pair_orders",
                        "customer_store",
                        List.of(
                            new JoinKey("customer_id", FeatureType.STRING),
                            new JoinKey("store_no", FeatureType.INT64)))))
            .orElseThrow();
    JsonNode req = new ObjectMapper().readTree(body);
    assertThat(req.get("keys").toString())
        .isEqualTo(
            "[{\"customer_id\":\"customer_1\",\"store_no\":1},"
                + "{\"customer_id\":\"customer_2\",\"store_no\":2}]");
  }

  @Test
  void theExamplesKeepTheirCuratedLookup() {
    ViewResolution examples =
        new ViewResolution(
            view("user_activity", "user", List.of(new JoinKey("user_id", FeatureType.STRING)))
                .view()
                .toBuilder()
                .features(List.of(Feature.row("user_last_currency", FeatureType.STRING)))
                .build(),
            List.of(new JoinKey("user_id", FeatureType.STRING)));
    assertThat(SampleLookup.body(List.of(examples))).contains(SampleLookup.EXAMPLES);
    assertThat(SampleLookup.body(List.of())).isEmpty();
  }
}
