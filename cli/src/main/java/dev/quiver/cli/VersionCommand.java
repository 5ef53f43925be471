package dev.quiver.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code quiver version}. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Prints the Quiver, Flink and Java versions.")
final class VersionCommand implements Callable<Integer> {
  @ParentCommand QuiverCli parent;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = parent.spec.commandLine().getOut();
    for (String line : new Provider().getVersion()) {
      out.println(line);
    }
    out.flush();
    return ExitCode.OK;
  }

  /** Versions from the jar manifests (unknown when running from classes, e.g. in tests). */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String quiver = QuiverCli.class.getPackage().getImplementationVersion();
      String flink =
          org.apache.flink.table.api.TableEnvironment.class.getPackage().getImplementationVersion();
      return new String[] {
        "quiver " + (quiver == null ? "(development build)" : quiver),
        "flink " + (flink == null ? "(unknown)" : flink),
        "java " + System.getProperty("java.version")
      };
    }
  }
}
