package dev.quiver.core.config;

import java.util.regex.Pattern;

/** Parser messages made fit for a one-line error. */
public final class YamlMessages {
  /**
   * Jackson's location inside a message, e.g. {@code (start marker at [Source: REDACTED
   * (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 33])}: the parser
   * setting it names means nothing to the author of the text.
   */
  private static final Pattern SOURCE_LOCATION =
      Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

  private YamlMessages() {}

  /**
   * SnakeYAML's messages (through Jackson's {@code getOriginalMessage()}) quote the file with
   * carets over several lines; this keeps the words only, joined with "; ", and writes Jackson's
   * embedded locations as "line L, column C". Null gives "".
   */
  public static String concise(String message) {
    if (message == null) {
      return "";
    }
    String words =
        message
            .lines()
            .filter(l -> !l.isBlank() && !l.startsWith(" in '") && !l.startsWith("    "))
            .map(String::strip)
            .reduce((a, b) -> a + "; " + b)
            .orElse(message.strip());
    return SOURCE_LOCATION.matcher(words).replaceAll("line $1, column $2");
  }
}
