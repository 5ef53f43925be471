package dev.quiver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.jobs.JobOptions;
import dev.quiver.savepoints.FlinkRest;
import dev.quiver.savepoints.SavepointOptions;
import dev.quiver.savepoints.SavepointTrigger;
import dev.quiver.savepoints.StateSnapshot;
import dev.quiver.savepoints.StateSnapshots;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code quiver savepoint trigger|list|inspect|restore}: the savepoints-tooling module behind the
 * command line. Trigger talks to a Flink cluster's REST endpoint; list and inspect read the
 * checkpoint and savepoint directories; restore is {@code quiver materialize VIEW --restore PATH}.
 */
@Command(
    name = "savepoint",
    mixinStandardHelpOptions = true,
    description = {
      "Takes, lists and inspects the savepoints and retained checkpoints of a view's"
          + " materialization job, and restores the job from one (docs/operations.md)."
    },
    subcommands = {
      SavepointCommand.Trigger.class,
      SavepointCommand.ListSavepoints.class,
      SavepointCommand.Inspect.class,
      SavepointCommand.Restore.class
    })
final class SavepointCommand implements Runnable {
  @ParentCommand QuiverCli parent;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** How long trigger waits for Flink to complete a savepoint. */
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing a command: trigger, list, inspect or restore");
  }

  /** The savepoint directory: savepoints.dir, else quiver.data-dir's savepoints/. */
  static String savepointDir(QuiverConfig config) {
    if (config.asMap().containsKey(SavepointOptions.DIR.key())) {
      return config.get(SavepointOptions.DIR);
    }
    return Path.of(config.get(CliOptions.DATA_DIR)).resolve("savepoints").toString();
  }

  @Command(
      name = "trigger",
      mixinStandardHelpOptions = true,
      description = {
        "Takes a savepoint of the view's running job on a Flink cluster (its REST endpoint: the"
            + " flink: URL quiver local prints, or the JobManager's), waits for it and prints"
            + " where it is. --stop stops the job with it (stop-with-savepoint).",
        "Example: quiver savepoint trigger user_activity --flink http://127.0.0.1:8081 --stop"
      })
  static final class Trigger implements Callable<Integer> {
    @ParentCommand SavepointCommand savepoint;

    @Mixin ViewRefArgs target;

    @Option(
        names = "--flink",
        paramLabel = "URL",
        description =
            "Flink's REST endpoint (default: savepoints.flink-url, http://127.0.0.1:8081)")
    String flink;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description =
            "Where Flink writes the savepoint, a path or URI the JobManager can write (default:"
                + " savepoints.dir, else quiver.data-dir's savepoints/)")
    String dir;

    @Option(names = "--stop", description = "Stop the job with the savepoint")
    boolean stop;

    @Override
    public Integer call() {
      QuiverConfig config = savepoint.parent.environment().config();
      PrintWriter out = savepoint.parent.spec.commandLine().getOut();
      PrintWriter err = savepoint.parent.spec.commandLine().getErr();
      String url = flink != null ? flink : config.get(SavepointOptions.FLINK_URL);
      String into = dir != null ? dir : savepointDir(config);
      ViewRef ref = target.parse();
      SavepointTrigger trigger =
          new SavepointTrigger(new FlinkRest(url, Duration.ofSeconds(30)), Duration.ofMillis(500));
      FlinkRest.Job job = trigger.runningJob(ref.namespace(), ref.view(), ref.version());
      out.println(
          (stop ? "Stopping " : "Taking a savepoint of ")
              + job.name()
              + " (job "
              + job.id()
              + ") on "
              + url
              + (stop ? " with a savepoint" : "")
              + " into "
              + into
              + " ...");
      out.flush();
      SavepointTrigger.Taken taken =
          trigger.take(
              job,
              into,
              stop,
              TIMEOUT,
              line -> {
                err.println(line);
                err.flush();
              });
      out.println("savepoint: " + taken.location());
      if (stop) {
        out.println("The job stopped.");
      }
      out.println(
          "Restore: quiver savepoint restore "
              + ref.namespace()
              + "."
              + ref.view()
              + " "
              + taken.location());
      return ExitCode.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists the view's retained checkpoints (under jobs.checkpoint-dir) and savepoints (under"
            + " savepoints.dir), newest first: time, kind, checkpoint id, state size, owner (view"
            + " and major) and path.",
        "Example: quiver savepoint list user_activity"
      })
  static final class ListSavepoints implements Callable<Integer> {
    @ParentCommand SavepointCommand savepoint;

    @Parameters(index = "0", paramLabel = "VIEW", description = "[namespace.]view")
    String view;

    @Option(names = "--namespace", paramLabel = "NS", description = "Namespace (default: default).")
    String namespace;

    @Override
    public Integer call() {
      QuiverConfig config = LocalDefaults.apply(savepoint.parent.environment().config());
      PrintWriter out = savepoint.parent.spec.commandLine().getOut();
      ViewRef ref = ViewRef.parse(view, namespace);
      StateSnapshots.Listing listing =
          StateSnapshots.list(
              config.get(JobOptions.CHECKPOINT_DIR),
              savepointDir(config),
              ref.namespace(),
              ref.view());
      List<StateSnapshot> found = listing.snapshots();
      if (found.isEmpty()) {
        out.println(
            "No checkpoints or savepoints of "
                + ref.namespace()
                + "."
                + ref.view()
                + " under "
                + config.get(JobOptions.CHECKPOINT_DIR)
                + " or "
                + savepointDir(config)
                + ".");
      } else {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TIME", "KIND", "CHECKPOINT", "SIZE", "OWNER", "PATH"});
        for (StateSnapshot s : found) {
          rows.add(
              new String[] {
                s.time().toString(),
                s.savepoint() ? "savepoint" : "checkpoint",
                Long.toString(s.checkpointId()),
                bytes(s.stateSize()),
                s.owner(),
                s.path()
              });
        }
        Table.print(out, rows);
      }
      if (listing.skipped() > 0) {
        out.println(
            "("
                + listing.skipped()
                + " more name no owner or could not be read: written by jobs older than the"
                + " owner check, or being written; quiver savepoint inspect PATH shows one)");
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = {
        "Shows what a checkpoint or savepoint holds: owner (view and major), checkpoint id and"
            + " time, the operators with their state sizes, and the Kafka source's next offset per"
            + " partition; --json for scripts (quiver savepoint inspect PATH --json)."
      })
  static final class Inspect implements Callable<Integer> {
    @ParentCommand SavepointCommand savepoint;

    @Parameters(
        index = "0",
        paramLabel = "PATH",
        description = "A chk-N directory, a savepoint directory, or its _metadata file")
    String path;

    @Option(names = "--json", description = "Print JSON instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = savepoint.parent.spec.commandLine().getOut();
      StateSnapshot s = StateSnapshots.read(path);
      if (json) {
        out.println(
            new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(s.asMap()));
        return ExitCode.OK;
      }
      out.println((s.savepoint() ? "savepoint:   " : "checkpoint:  ") + s.path());
      out.println("owner:       " + s.owner());
      out.println("checkpoint:  " + s.checkpointId() + ", written " + s.time());
      out.println("state size:  " + bytes(s.stateSize()));
      out.println("operators:");
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"  OPERATOR", "PARALLELISM", "STATE", "HOLDS"});
      for (StateSnapshot.Operator o : s.operators()) {
        rows.add(
            new String[] {
              "  " + o.id(), Integer.toString(o.parallelism()), bytes(o.stateSize()), o.holds()
            });
      }
      Table.print(out, rows);
      if (s.offsets().isEmpty()) {
        out.println("Kafka offsets: none (no Kafka source state)");
      } else {
        out.println("Kafka offsets (the next record the restored job reads):");
        List<String[]> offsets = new ArrayList<>();
        offsets.add(new String[] {"  TOPIC", "PARTITION", "OFFSET"});
        for (StateSnapshot.KafkaOffset o : s.offsets()) {
          offsets.add(
              new String[] {"  " + o.topic(), Integer.toString(o.partition()), o.describe()});
        }
        Table.print(out, offsets);
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Runs the view's materialization job restored from a checkpoint or savepoint: the same as"
            + " quiver materialize VIEW --restore PATH (a new major refuses an older major's"
            + " state; see docs/operations.md)."
      })
  static final class Restore implements Callable<Integer> {
    @ParentCommand SavepointCommand savepoint;

    @Mixin ViewRefArgs target;

    @Parameters(
        index = "1",
        paramLabel = "PATH",
        description = "A chk-N directory or a savepoint directory")
    String path;

    @Override
    public Integer call() throws Exception {
      MaterializeCommand materialize = new MaterializeCommand();
      materialize.parent = savepoint.parent;
      materialize.target = target;
      materialize.restore = Path.of(path.replaceFirst("^file:(//)?", ""));
      return materialize.call();
    }
  }

  /** A byte count for people: B, KB, MB, GB (powers of 1024, one decimal). */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
