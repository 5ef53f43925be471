package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpecCodecTest {
  @Test
  void aGetAnswersReadOnlyFieldsAreDroppedFromAJsonObject() {
    String sent =
        "{\"name\":\"v\",\"created_at\":\"2026-01-01T00:00:00Z\",\"created_by\":\"api\","
            + "\"spec_checksum\":\"abc\",\"warnings\":[],\"sunset_at\":\"2027-01-01T00:00:00Z\","
            + "\"status\":\"ACTIVE\"}";
    assertThat(SpecCodec.withoutReadOnlyFields(sent))
        .isEqualTo("{\"name\":\"v\",\"status\":\"ACTIVE\"}");
  }

  @Test
  void otherBodiesReachTheSpecParserAsTheyCame() {
    String plain = "{\"name\": \"v\"}";
    String yaml = "name: v\ncreated_at: x\n";
    String malformed = "{\"name\": \"v\", \"created_at\": ";
    String duplicate = "{\"name\": \"v\", \"name\": \"w\", \"created_at\": \"x\"}";
    assertThat(SpecCodec.withoutReadOnlyFields(plain)).isSameAs(plain);
    assertThat(SpecCodec.withoutReadOnlyFields(yaml)).isSameAs(yaml);
    assertThat(SpecCodec.withoutReadOnlyFields(malformed)).isSameAs(malformed);
    assertThat(SpecCodec.withoutReadOnlyFields(duplicate)).isSameAs(duplicate);
  }
}
