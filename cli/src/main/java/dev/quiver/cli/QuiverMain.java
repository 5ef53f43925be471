package dev.quiver.cli;

/**
 * The process entry point of {@code bin/quiver}, and nothing else: it runs {@link
 * QuiverCli#commandLine()} and ends the JVM with the command's exit code, the only way a Java
 * program sets its exit status (scripts branch on {@link ExitCode}). Kept apart from {@link
 * QuiverCli} so that no code that tests call can end the JVM: tests run commands through {@link
 * QuiverCli#commandLine()}, and {@code QuiverCliITCase} runs this class in a child JVM and checks
 * the process's status.
 */
public final class QuiverMain {
  private QuiverMain() {}

  public static void main(String[] args) {
    System.exit(QuiverCli.commandLine().execute(args));
  }
}
