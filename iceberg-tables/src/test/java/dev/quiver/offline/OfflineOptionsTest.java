package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.ConfigDocsCompletenessTest;
import dev.quiver.core.config.QuiverConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OfflineOptionsTest {
  @Test
  void everyOptionIsDocumented() {
    ConfigDocsCompletenessTest.assertDocumented(OfflineOptions.all());
  }

  @Test
  void unknownKeysAreRejectedButPropertiesPassThrough() {
    QuiverConfig ok =
        QuiverConfig.of(Map.of("offline.warehouse", "/tmp/w", "offline.properties.uri", "jdbc:x"));
    ok.validate(OfflineOptions.all());
    assertThatThrownBy(
            () ->
                QuiverConfig.of(Map.of("offline.warehous", "/tmp/w"))
                    .validate(OfflineOptions.all()))
        .hasMessageContaining("Unsupported options: offline.warehous");
  }
}
