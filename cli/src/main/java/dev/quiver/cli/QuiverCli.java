package dev.quiver.cli;

import dev.quiver.core.UnavailableException;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.store.RegistryStoreException;
import dev.quiver.core.spec.SpecException;
import dev.quiver.savepoints.SavepointException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * {@code bin/quiver}: the command-line launcher. Global options ({@code --config}, {@code --set})
 * apply to every subcommand. Failures are converted to exit codes in one place ({@link
 * #handle(Exception, CommandLine)}); see {@link ExitCode}.
 */
@Command(
    name = "quiver",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Quiver: a real-time feature store on Flink.",
    subcommands = {
      ApplyCommand.class,
      ListCommand.class,
      DescribeCommand.class,
      DeprecateCommand.class,
      SqlCommand.class,
      ServeCommand.class,
      ExportCommand.class,
      BackfillCommand.class,
      SnapshotsCommand.class,
      PlanCommand.class,
      MaterializeCommand.class,
      SavepointCommand.class,
      LocalCommand.class,
      CrdsCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:invalid spec, argument value or SQL",
      "2:usage or configuration error",
      "3:breaking change refused (bump the major version)",
      "4:conflict (concurrent change, or lifecycle move not allowed)",
      "5:not found",
      "70:unexpected failure (or a registry or --server that does not answer)",
      "130, 143:stopped by Ctrl-C or SIGTERM (serve, local, materialize)"
    })
public final class QuiverCli implements Runnable {

  @Option(
      names = {"-c", "--config"},
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Configuration file (default: ./quiver.yaml when present).")
  Path configFile;

  @Option(
      names = "--set",
      scope = ScopeType.INHERIT,
      paramLabel = "KEY=VALUE",
      description = "Override one configuration option, e.g. --set registry.type=postgres.")
  List<String> overrides = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private CliEnvironment environment;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  /** The configuration and registry, loaded on first use. */
  CliEnvironment environment() {
    if (environment == null) {
      try {
        environment = CliEnvironment.load(configFile, overrides);
      } catch (IllegalArgumentException | UncheckedIOException e) {
        throw new CliUsageException(e.getMessage());
      }
      PrintWriter err = spec.commandLine().getErr();
      environment.warnings().forEach(w -> err.println("warning: " + w));
    }
    return environment;
  }

  /** A configured command line, for {@link QuiverMain} (the process entry point) and tests. */
  public static CommandLine commandLine() {
    QuiverCli cli = new QuiverCli();
    CommandLine cmd = new CommandLine(cli);
    cmd.setExecutionExceptionHandler(
        (Exception e, CommandLine c, ParseResult parsed) -> handle(e, c));
    cmd.setParameterExceptionHandler(QuiverCli::usageError);
    cmd.setExecutionStrategy(
        parsed -> {
          try {
            return new CommandLine.RunLast().execute(parsed);
          } finally {
            if (cli.environment != null) {
              cli.environment.close();
            }
          }
        });
    return cmd;
  }

  /**
   * A command line picocli cannot parse (unknown command or option, bad option value, missing
   * argument): one {@code error:} line, picocli's "did you mean" suggestions, and where to find the
   * usage, instead of the whole help text; exit code 2.
   */
  static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + e.getMessage());
    String feast = feastHint(e);
    if (feast != null) {
      err.println(feast);
    } else {
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    }
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
    return ExitCode.USAGE;
  }

  /**
   * What Quiver calls the Feast command a newcomer typed, instead of picocli's nearest spellings
   * ({@code quiver lookup} was "Did you mean: quiver local?", {@code quiver materialize START END}
   * "Unmatched argument at index 2"). Null for any other mistake.
   */
  static String feastHint(CommandLine.ParameterException e) {
    if (!(e instanceof CommandLine.UnmatchedArgumentException u)) {
      return null;
    }
    List<String> unmatched = u.getUnmatched();
    String command = e.getCommandLine().getCommandName();
    String backfill =
        "quiver backfill VIEW --from START --to END --online computes a range of history into"
            + " the offline and online stores (Feast's materialize START END); quiver materialize"
            + " VIEW runs a streaming view's job, which keeps it fresh as events arrive";
    if (command.equals("materialize")
        && !unmatched.isEmpty()
        && unmatched.get(0).matches("\\d{4}-.*")) {
      return "hint: " + backfill;
    }
    if (e.getCommandLine().getParent() != null || unmatched.isEmpty()) {
      return null;
    }
    return switch (unmatched.get(0)) {
      case "materialize-incremental" -> "hint: " + backfill;
      case "lookup", "get-online-features", "online-features" ->
          "hint: there is no lookup command; lookups are REST calls to a running server:"
              + " curl -s http://127.0.0.1:8080/v1/features:lookup -H 'content-type:"
              + " application/json' -d '{\"entity_name\": \"user\", \"keys\": [\"user_1\"],"
              + " \"features\": [\"user_activity.user_txn_count_1h\"]}' (docs/api.md)";
      case "get-historical-features", "historical-features" ->
          "hint: a training set is quiver export FEATURE... --labels FILE --timestamp-column COLUMN"
              + " --output DIR (docs/training-sets.md)";
      case "feature-views", "entities", "feature-services", "registry-dump" ->
          "hint: quiver list (views), quiver describe VIEW; entities and feature services:"
              + " GET /v1/registry/entities, /v1/registry/featureServices (docs/api.md)";
      default -> null;
    };
  }

  /** Maps a failure to its exit code after printing what failed and, where known, the fix. */
  static int handle(Exception e, CommandLine cmd) {
    PrintWriter err = cmd.getErr();
    if (e instanceof SpecException se) {
      se.problems().forEach(p -> err.println(p));
      long errors = se.problems().stream().filter(p -> p.isError()).count();
      err.println(errors + (errors == 1 ? " error" : " errors") + "; nothing was applied.");
      return ExitCode.INVALID;
    }
    if (e instanceof RegistryException re) {
      err.println(
          "error: "
              + re.getMessage()
              // the spec path helps with an invalid input; "[name]" after "unknown feature view
              // 'x'" or "[version]" after "v1 is RETIRED" only puzzled
              + (re.field() == null
                      || re.getMessage().contains(re.field())
                      || re.kind() == RegistryException.Kind.NOT_FOUND
                      || re.kind() == RegistryException.Kind.GONE
                  ? ""
                  : " [" + re.field() + "]"));
      return switch (re.kind()) {
        case INVALID -> ExitCode.INVALID;
        case BREAKING_CHANGE -> ExitCode.BREAKING_CHANGE;
        case CONFLICT -> ExitCode.CONFLICT;
        case NOT_FOUND, GONE -> ExitCode.NOT_FOUND;
      };
    }
    if (e instanceof SavepointException se) {
      err.println("error: " + se.getMessage());
      return switch (se.kind()) {
        case NOT_FOUND -> ExitCode.NOT_FOUND;
        case INVALID -> ExitCode.INVALID;
        case UNREACHABLE, FAILED -> ExitCode.FAILURE;
      };
    }
    if (e instanceof CliUsageException) {
      err.println("error: " + e.getMessage());
      return ExitCode.USAGE;
    }
    if (e instanceof IllegalArgumentException) {
      err.println("error: " + e.getMessage());
      return ExitCode.INVALID;
    }
    if (e instanceof HttpOfflineService.ServerUnreachableException
        || e instanceof UnavailableException) {
      err.println("error: " + e.getMessage());
      return ExitCode.FAILURE;
    }
    // a registry that does not answer is not a bug: its message names the database and the fix
    err.println("error: " + (e instanceof RegistryStoreException ? e.getMessage() : e));
    Throwable cause = e.getCause();
    while (cause != null) {
      err.println("  caused by: " + cause);
      cause = cause.getCause();
    }
    return ExitCode.FAILURE;
  }

  /** A usage problem found after parsing (e.g. a malformed VIEW:VERSION); exit code 2. */
  static final class CliUsageException extends RuntimeException {
    CliUsageException(String message) {
      super(message);
    }
  }
}
