package dev.quiver.core.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A spec that failed validation. Carries every problem found, not only the first. */
public final class SpecException extends RuntimeException {
  private final List<SpecProblem> problems;

  public SpecException(List<SpecProblem> problems) {
    super(render(problems));
    this.problems = List.copyOf(problems);
  }

  public List<SpecProblem> problems() {
    return problems;
  }

  /** The first error's field path, for API error bodies. */
  public String firstPath() {
    return problems.stream()
        .filter(SpecProblem::isError)
        .map(SpecProblem::path)
        .findFirst()
        .orElse(null);
  }

  private static String render(List<SpecProblem> problems) {
    long errors = problems.stream().filter(SpecProblem::isError).count();
    return errors
        + " error(s) in spec:\n"
        + problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n"));
  }
}
