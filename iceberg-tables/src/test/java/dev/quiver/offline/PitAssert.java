package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.Record;

/** Compares a training-set row with reference values. */
public final class PitAssert {
  private PitAssert() {}

  public static void assertFeature(String where, Object actual, Object expected) {
    if (expected == null) {
      assertThat(actual).as(where).isNull();
    } else if (expected instanceof Double d) {
      assertThat(actual).as(where).isNotNull();
      double a = ((Number) actual).doubleValue();
      assertThat(a).as(where).isCloseTo(d, within(1e-7 * Math.max(1, Math.abs(d))));
    } else if (expected instanceof List<?> l) {
      assertThat(List.copyOf((List<?>) actual)).as(where).isEqualTo(List.copyOf(l));
    } else if (expected instanceof Number n && actual instanceof Number an) {
      assertThat(an.longValue()).as(where).isEqualTo(n.longValue());
    } else {
      assertThat(actual).as(where).isEqualTo(expected);
    }
  }

  public static void assertRow(
      Record row, String view, Map<String, Object> expected, String where) {
    expected.forEach(
        (f, v) -> assertFeature(where + " " + view + "__" + f, row.getField(view + "__" + f), v));
  }
}
