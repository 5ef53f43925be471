package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Version;
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

  /** A misspelt feature in {@code quiver export} gets the same "did you mean" as a lookup. */
  @Test
  void aMisspeltFeatureNamesTheClosestOne() {
    FeatureView view = TestViews.userTxnAggs();
    String real = view.features().get(0).name();
    String typo = real.substring(0, real.length() - 1);
    assertThatThrownBy(() -> new FeatureSelection(view, List.of(typo), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("features: unknown feature '" + typo + "'")
        .hasMessageContaining("did you mean " + real + "?");
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

  /**
   * Two versions of one view (or two views of one name in two namespaces) whose features would
   * share an output column are refused when submitted (QA pass, session 12: 'uview:v1.u_last
   * uview.u_last', v2 being the latest, failed the job with Iceberg's "Invalid schema: multiple
   * fields for name uview__u_last: 100001 and 100003").
   */
  @Test
  void twoVersionsOfAFeatureThatShareAnOutputColumnAreRefused() {
    FeatureView v1 = TestViews.userProfile();
    FeatureView v2 = v1.withVersion(Version.of(2));
    Spine at = new Spine(List.of(Instant.parse("2024-05-01T00:00:00Z")));
    assertThatThrownBy(
            () ->
                new TrainingSetRequest(
                    List.of(
                        new FeatureSelection(v1, List.of("last_amount"), null),
                        new FeatureSelection(v2, List.of("last_merchant", "last_amount"), null)),
                    null,
                    at,
                    "out",
                    true,
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "features: default.user_profile:v1.last_amount and default.user_profile:v2.last_amount"
                + " would both be the column user_profile__last_amount")
        .hasMessageContaining("one version of a feature per training set");
    // features of two versions under other names: accepted
    assertThat(
            new TrainingSetRequest(
                    List.of(
                        new FeatureSelection(v1, List.of("last_amount"), null),
                        new FeatureSelection(v2, List.of("last_merchant"), null)),
                    null,
                    at,
                    "out",
                    true,
                    Map.of())
                .features())
        .hasSize(2);
  }

  /**
   * A range with too many reference times names the step as it was given ({@code 1s}), as the
   * request's other step errors do (before: it was Java's {@code PT1S}).
   */
  @Test
  void tooManyReferenceTimesNameTheStepAsGiven() {
    assertThatThrownBy(
            () ->
                Spine.range(
                    Instant.parse("2024-05-01T00:00:00Z"),
                    Instant.parse("2024-05-03T00:00:00Z"),
                    java.time.Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step: 1s gives more than 100000 times between 2024-05-01T00:00:00Z and"
                + " 2024-05-03T00:00:00Z (expected: a larger step or a shorter range)");
  }
}
