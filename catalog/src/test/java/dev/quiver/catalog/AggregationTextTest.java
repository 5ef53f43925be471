package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AggregationTextTest {
  @Test
  void roundTripsEveryFunction() {
    for (AggregationFunction fn : AggregationFunction.values()) {
      int n = fn == AggregationFunction.LAST_N ? 10 : 0;
      Aggregation a = new Aggregation("amount", fn, Duration.ofHours(1), n);
      assertThat(AggregationText.parse(AggregationText.format(a))).isEqualTo(a);
    }
    assertThat(AggregationText.parse("COUNT(*) OVER 7d"))
        .isEqualTo(new Aggregation("*", AggregationFunction.COUNT, Duration.ofDays(7), 0));
  }

  @Test
  void errorsShowTheExpectedForm() {
    assertThatThrownBy(() -> AggregationText.parse("count over 7d"))
        .hasMessageContaining("<function>(<column>) over <window>");
    assertThatThrownBy(() -> AggregationText.parse("median(x) over 7d"))
        .hasMessageContaining("'median' is not an aggregation function; functions: count, sum");
    // a typo gets the did-you-mean a YAML spec gets (session 16 own-spec review)
    assertThatThrownBy(() -> AggregationText.parse("countdistinct(store_id) over 1d"))
        .hasMessageContaining(
            "'countdistinct' is not an aggregation function; did you mean count_distinct?;"
                + " functions: count, sum");
    // pandas' and Feast's names get Quiver's, not the nearest spelling ('mean' was "max?")
    assertThatThrownBy(() -> AggregationText.parse("mean(fare_usd) over 1h"))
        .hasMessageContaining("'mean' is not an aggregation function; did you mean avg?;");
    assertThatThrownBy(() -> AggregationText.parse("nunique(page) over 1h"))
        .hasMessageContaining("did you mean count_distinct?;");
    // the window is what is wrong, and the message says so (not "is not an aggregation")
    assertThatThrownBy(() -> AggregationText.parse("sum(x) over 7 days"))
        .hasMessageContaining("window '7 days' is not a duration; write a whole number and a unit");
    assertThatThrownBy(() -> AggregationText.parse("avg(fare_usd) over 1h, 1d"))
        .hasMessageContaining("window '1h, 1d' is not a duration");
    assertThatThrownBy(() -> AggregationText.parse("sum(x) over 7y"))
        .hasMessageContaining("window '7y' is not a duration");
    assertThatThrownBy(() -> AggregationText.parse("last_n(x) over 1d"))
        .hasMessageContaining("last_n(x, 10) over 1d");
  }
}
