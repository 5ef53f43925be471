package dev.quiver.jobs.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.Transactions;
import org.junit.jupiter.api.Test;

class SinkViewSpecTest {
  @Test
  void carriesTheFeaturesTheWriterNeeds() {
    FeatureView view = Transactions.view("t", true, true);
    SinkViewSpec spec = SinkViewSpec.of(view, Transactions.keys());
    FeatureView back = spec.toView();
    assertThat(back.features())
        .isEqualTo(view.features().stream().map(f -> withoutText(f)).toList());
    assertThat(back.tileSize()).isEqualTo(view.tileSize());
    assertThat(back.ttl()).isEqualTo(view.ttl());
    assertThat(back.qualifiedName()).isEqualTo(view.qualifiedName());
    assertThat(spec.keys()).isEqualTo(Transactions.keys());
  }

  @Test
  void rejectsABadFeatureEntry() {
    SinkViewSpec spec =
        new SinkViewSpec("default", "v", 1, 1000, 1000, "user_id:STRING", "a:INT64:count");
    assertThatThrownBy(spec::toView)
        .hasMessageContaining("'a:INT64:count'")
        .hasMessageContaining("expected: name:DTYPE or name:DTYPE:function:column:n:window");
  }

  private static dev.quiver.core.spec.Feature withoutText(dev.quiver.core.spec.Feature f) {
    return new dev.quiver.core.spec.Feature(
        f.name(), f.dtype(), "", null, f.aggregation(), java.util.Map.of());
  }
}
