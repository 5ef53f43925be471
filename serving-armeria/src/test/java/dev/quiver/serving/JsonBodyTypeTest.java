package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import org.junit.jupiter.api.Test;

class JsonBodyTypeTest {
  private static RequestHeaders withType(String contentType) {
    return RequestHeaders.of(HttpMethod.POST, "/v1/features:lookup", "content-type", contentType);
  }

  /**
   * A body declared in another charset than UTF-8 was read as UTF-8 anyway: a Latin-1 key ("café"
   * as byte E9) answered "malformed JSON: Invalid UTF-8 middle byte", which blames the JSON, not
   * the declared charset. JSON is UTF-8 (RFC 8259), so another declared charset is a 415 naming it.
   */
  @Test
  void anotherCharsetThanUtf8IsRefusedNamingIt() {
    for (String type :
        new String[] {
          "application/json; charset=iso-8859-1",
          "application/json;charset=windows-1252",
          "application/json; charset=utf-16",
          "application/json; charset=nonsense"
        }) {
      assertThatThrownBy(() -> JsonBodyType.check(withType(type)))
          .as(type)
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                org.assertj.core.api.Assertions.assertThat(e.status().code()).isEqualTo(415);
                org.assertj.core.api.Assertions.assertThat(e.field()).isEqualTo("content-type");
              })
          .hasMessageContaining("charset")
          .hasMessageContaining("(expected: UTF-8");
    }
  }

  @Test
  void utf8AndNoCharsetAreJson() {
    for (String type :
        new String[] {
          "application/json",
          "application/json; charset=utf-8",
          "application/json; charset=UTF-8",
          "application/json;charset=\"utf-8\"",
          "application/vnd.example+json; charset=utf8"
        }) {
      assertThatCode(() -> JsonBodyType.check(withType(type))).as(type).doesNotThrowAnyException();
    }
  }
}
