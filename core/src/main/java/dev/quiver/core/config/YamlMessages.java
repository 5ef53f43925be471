package dev.quiver.core.config;

/** Parser messages made fit for a one-line error. */
public final class YamlMessages {
  private YamlMessages() {}

  /**
   * SnakeYAML's messages (through Jackson's {@code getOriginalMessage()}) quote the file with
   * carets over several lines; this keeps the words only, joined with "; ". Null gives "".
   */
  public static String concise(String message) {
    if (message == null) {
      return "";
    }
    return message
        .lines()
        .filter(l -> !l.isBlank() && !l.startsWith(" in '") && !l.startsWith("    "))
        .map(String::strip)
        .reduce((a, b) -> a + "; " + b)
        .orElse(message.strip());
  }
}
