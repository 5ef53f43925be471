package dev.quiver.core.spec;

import java.util.Objects;

/**
 * One problem found in a spec: where (file, field path, line), what is wrong, and how to fix it.
 * Rendered as {@code file:line: features[1].dtype: 'FLAOT64' is not a type; did you mean FLOAT64?
 * Types: ...}.
 *
 * @param file the spec file, or {@code <request>} for API bodies
 * @param path the field path, e.g. {@code features[1].dtype}
 * @param line 1-based line in the file; 0 when unknown
 * @param message what is wrong, with the offending value
 * @param hint how to fix it; may be empty
 */
public record SpecProblem(
    Severity severity, String file, String path, int line, String message, String hint) {

  public enum Severity {
    ERROR,
    WARNING
  }

  public SpecProblem {
    Objects.requireNonNull(severity, "severity");
    file = file == null ? "<request>" : file;
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    hint = hint == null ? "" : hint;
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code path: message; hint} (without {@code path: } for a problem of the whole file). */
  public String describe() {
    return (path.isEmpty() ? "" : path + ": ") + message + (hint.isEmpty() ? "" : "; " + hint);
  }

  @Override
  public String toString() {
    return file
        + (line > 0 ? ":" + line : "")
        + ": "
        + severity.name().toLowerCase()
        + ": "
        + describe();
  }
}
