package dev.quiver.cli;

/** The exit codes of {@code bin/quiver}, documented in {@code docs/cli.md}. */
public final class ExitCode {
  /** Success (for {@code apply --dry-run}: the plan can be applied). */
  public static final int OK = 0;

  /** A spec, argument value or SQL statement is invalid; every problem was printed. */
  public static final int INVALID = 1;

  /** Usage error: unknown command or option, missing argument, bad configuration file. */
  public static final int USAGE = 2;

  /** A breaking change under an existing major version was refused. */
  public static final int BREAKING_CHANGE = 3;

  /** A concurrent change won (optimistic locking), or the lifecycle move is not allowed. */
  public static final int CONFLICT = 4;

  /** The view, version or file does not exist (or the version is retired). */
  public static final int NOT_FOUND = 5;

  /** An unexpected failure (a bug or an unreachable registry); the cause was printed. */
  public static final int FAILURE = 70;

  private ExitCode() {}
}
