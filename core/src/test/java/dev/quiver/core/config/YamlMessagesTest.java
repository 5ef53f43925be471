package dev.quiver.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class YamlMessagesTest {

  /**
   * Jackson embeds the location of an unclosed bracket as "[Source: REDACTED
   * (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]", which reached
   * API error bodies and spec errors verbatim (session 11 QA pass); only the position is kept.
   */
  @Test
  void jacksonLocationsBecomeLineAndColumn() {
    String original = null;
    try {
      new ObjectMapper().readTree("{\"name\": [1, 2");
    } catch (JsonProcessingException e) {
      original = e.getOriginalMessage();
    }
    assertThat(original).contains("[Source: ");
    assertThat(YamlMessages.concise(original))
        .isEqualTo(
            "Unexpected end-of-input: expected close marker for Array (start marker at line 1,"
                + " column 10)");
  }

  @Test
  void multiLineParserMessagesKeepTheirWords() {
    assertThat(
            YamlMessages.concise(
                "mapping values are not allowed here\n in 'reader', line 2\n    x"))
        .isEqualTo("mapping values are not allowed here");
    assertThat(YamlMessages.concise(null)).isEmpty();
  }
}
