package dev.quiver.core.spec;

import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects the problems of one document: resolves each field path to its line in the file, and
 * optionally rewrites model paths (for example a validator's {@code
 * features[3].aggregation.window}) into the path the author wrote ({@code
 * features[1].aggregation.windows[2]}).
 */
final class Problems {
  /** A message's reference to another feature of the model: {@code (also features[3])}. */
  private static final Pattern ALSO_FEATURE = Pattern.compile("\\(also (features\\[\\d+])\\)");

  private final String file;
  private final SpecTree.Node root;
  private final List<SpecProblem> out;
  private final String prefix;

  Problems(String file, SpecTree.Node root, List<SpecProblem> out) {
    this(file, root, out, "");
  }

  private Problems(String file, SpecTree.Node root, List<SpecProblem> out, String prefix) {
    this.file = file;
    this.root = root;
    this.out = out;
    this.prefix = prefix;
  }

  /** A view of this log whose paths are relative to {@code path}. */
  Problems under(String path) {
    return new Problems(file, root, out, join(prefix, path));
  }

  void error(String path, String message, String hint) {
    add(SpecProblem.Severity.ERROR, path, message, hint);
  }

  void warn(String path, String message, String hint) {
    add(SpecProblem.Severity.WARNING, path, message, hint);
  }

  private void add(SpecProblem.Severity severity, String path, String message, String hint) {
    String full = join(prefix, path);
    out.add(new SpecProblem(severity, file, full, line(full), message, hint));
  }

  /** Adds problems found on a model (line 0, model paths), rewriting paths and adding lines. */
  void addAll(List<SpecProblem> found, UnaryOperator<String> pathRewrite) {
    for (SpecProblem p : found) {
      String full = join(prefix, pathRewrite.apply(p.path()));
      String message = rewriteReferences(p.message(), pathRewrite);
      out.add(new SpecProblem(p.severity(), file, full, line(full), message, p.hint()));
    }
  }

  /**
   * Rewrites a model feature that a message cites ({@code (also features[3])}, from the duplicate
   * name check) as the author's path: a feature expanded from a window list is {@code (also
   * features[1].aggregation.windows[0])}. The model index named another entry of the spec once
   * windows were expanded (session 12 QA pass).
   */
  private static String rewriteReferences(String message, UnaryOperator<String> pathRewrite) {
    Matcher m = ALSO_FEATURE.matcher(message);
    if (!m.find()) {
      return message;
    }
    String cited = pathRewrite.apply(m.group(1) + ".name");
    cited = cited.endsWith(".name") ? cited.substring(0, cited.length() - ".name".length()) : cited;
    return message.substring(0, m.start(1)) + cited + message.substring(m.end(1));
  }

  int line(String fullPath) {
    return root == null ? 0 : SpecTree.line(root, fullPath);
  }

  String file() {
    return file;
  }

  static String join(String a, String b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return b.startsWith("[") ? a + b : a + "." + b;
  }
}
