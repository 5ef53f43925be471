package dev.quiver.core.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * User-written transformation code (Flink SQL). The checksum is over the code with whitespace runs
 * collapsed, so reformatting is not a semantic change but any token change is.
 */
public record Transformation(String language, String code) {
  public Transformation {
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(code, "code");
  }

  public String checksum() {
    return sha256(code.strip().replaceAll("\\s+", " "));
  }

  public static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
