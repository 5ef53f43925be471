package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Requests refused before any job runs. */
class TrainingSetRequestTest {
  static TrainingSetRequest spineRequest(String joinKey) {
    FeatureSelection s =
        new FeatureSelection(
            TestViews.userProfile(), List.of(), List.of(new JoinKey(joinKey, FeatureType.STRING)));
    return new TrainingSetRequest(
        List.of(s),
        null,
        new Spine(List.of(Instant.parse("2024-05-01T00:00:00Z"))),
        "out",
        true,
        Map.of());
  }

  @Test
  void aJoinKeyNamedTimestampClashesWithTheReferenceTimeOfARetrievalWithoutLabels() {
    assertThat(spineRequest("user_id").features()).hasSize(1);
    // the output would hold two "timestamp" columns: the join key and the reference time
    assertThatThrownBy(() -> spineRequest("timestamp"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "features: join key 'timestamp' of view default.user_profile clashes with the"
                + " 'timestamp' column (the reference time) of a retrieval without labels")
        .hasMessageContaining("--labels");
  }
}
