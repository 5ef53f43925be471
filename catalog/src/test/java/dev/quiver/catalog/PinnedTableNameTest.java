package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.Version;
import org.junit.jupiter.api.Test;

class PinnedTableNameTest {
  @Test
  void plainNameIsLatest() {
    PinnedTableName n = PinnedTableName.parse("user_stats");
    assertThat(n.view()).isEqualTo("user_stats");
    assertThat(n.isLatest()).isTrue();
    assertThat(n.toString()).isEqualTo("user_stats");
  }

  @Test
  void majorAndRevisionPins() {
    assertThat(PinnedTableName.parse("user_stats$v3").versionRef()).isEqualTo("v3");
    assertThat(PinnedTableName.parse("user_stats$V3").versionRef()).isEqualTo("v3");
    assertThat(PinnedTableName.parse("user_stats$v3.1").versionRef()).isEqualTo("v3.1");
    assertThat(PinnedTableName.parse("user_stats$v3.0").versionRef()).isEqualTo("v3.0");
    assertThat(PinnedTableName.ofRevision("a", Version.of(2))).isEqualTo("a$v2.0");
    assertThat(PinnedTableName.ofMajor("a", 2)).isEqualTo("a$v2");
  }

  @Test
  void badPinNamesTheSpelling() {
    assertThatThrownBy(() -> PinnedTableName.parse("user_stats$latest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'latest' is not a version")
        .hasMessageContaining("user_stats$v3");
    assertThatThrownBy(() -> PinnedTableName.parse("$v1"))
        .hasMessageContaining("view name before '$' is empty");
  }
}
