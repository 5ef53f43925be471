package dev.quiver.crds;

import dev.quiver.core.spec.FeatureView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Kubernetes names for a view's resources. A FlinkDeployment's name becomes its Flink cluster id
 * and the prefix of its Services and pods, so the operator accepts only a DNS-1035 label of at most
 * 45 characters: lower-case letters, digits and '-', starting with a letter and ending with a
 * letter or digit.
 */
public final class KubernetesNames {
  private KubernetesNames() {}

  /** A DNS-1035 label: what a FlinkDeployment's name (a Service's name prefix) must be. */
  public static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

  /** The longest FlinkDeployment name the operator accepts (Flink's longest cluster id). */
  public static final int MAX_DEPLOYMENT_NAME = 45;

  /** A label value: at most 63 characters, alphanumerics, '-', '_' and '.' inside. */
  public static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  private static final int HASH_CHARS = 8;

  /**
   * The FlinkDeployment name of a view's major: {@code <namespace>-<view>-v<major>} with '_' as
   * '-', e.g. {@code default.user_txn:v3} (and its revisions v3.1, v3.2) is {@code
   * default-user-txn-v3}. Quiver names are {@code [a-z][a-z0-9_]*}, so that is one-to-one unless
   * the namespace holds a '_' (where it ends is then ambiguous: {@code a_b.c} and {@code a.b_c}) or
   * the name is longer than 45 characters: then the name is cut and ends with 8 hex digits of a
   * hash of the exact {@code namespace.view:v<major>}.
   */
  public static String deploymentName(FeatureView view) {
    String exact = view.namespace() + "." + view.name() + ":v" + view.version().major();
    String plain =
        (view.namespace() + "-" + view.name() + "-v" + view.version().major())
            .toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^a-z0-9-]", "-");
    boolean oneToOne =
        !view.namespace().contains("_") && (view.namespace() + view.name()).matches("[a-z0-9_]*");
    if (oneToOne
        && plain.length() <= MAX_DEPLOYMENT_NAME
        && DEPLOYMENT_NAME.matcher(plain).matches()) {
      return plain;
    }
    String head =
        plain.substring(0, Math.min(plain.length(), MAX_DEPLOYMENT_NAME - HASH_CHARS - 1));
    head = head.replaceAll("-+$", "");
    if (head.isEmpty() || !Character.isLetter(head.charAt(0))) {
      head = "q" + head;
      head = head.substring(0, Math.min(head.length(), MAX_DEPLOYMENT_NAME - HASH_CHARS - 1));
    }
    return head + "-" + hash(exact);
  }

  /** {@code text} as a valid label value: invalid characters as '-', cut to 63, trimmed. */
  public static String labelValue(String text) {
    String v = text.replaceAll("[^-A-Za-z0-9_.]", "-");
    if (v.length() > 63) {
      v = v.substring(0, 63);
    }
    return v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
