package dev.quiver.cli;

import dev.quiver.catalog.QuiverCatalogFactory;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import dev.quiver.offline.QuiverJdbcCatalog;
import dev.quiver.offline.TimeTravel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.table.client.SqlClient;
import org.apache.flink.table.client.SqlClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code quiver sql [-f FILE]}: Flink's own SQL client in embedded mode, started with an init
 * script that creates the Quiver catalog from this configuration and makes it current. Without
 * {@code -f} it is interactive; with {@code -f} it runs the script and prints the results.
 *
 * <p>The SQL client reads Flink's configuration only from the directory named by the environment
 * variable {@code FLINK_CONF_DIR}. {@code bin/quiver} sets it, and then the interactive client runs
 * in this JVM. A script ({@code -f}) runs in a child JVM with the same class path, because Flink's
 * client writes to the terminal directly and exits 0 even when a statement fails: the child's
 * output is relayed and scanned for the client's error message. Without {@code FLINK_CONF_DIR}
 * (e.g. inside a test) the child gets a generated configuration directory.
 */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Opens the Flink SQL client (embedded mode) with the Quiver catalog created and in use.",
      "The offline Iceberg catalog (quiver_offline) is registered too, for time travel.",
      "Exit codes: 0 ok, 1 a statement failed, 2 usage."
    })
final class SqlCommand implements Callable<Integer> {
  static final String FLINK_CONF_DIR = "FLINK_CONF_DIR";

  /**
   * What Flink's client prints when a statement fails. With {@code -f} it then stops the script but
   * still exits 0, so this is how a failed script is detected.
   */
  static final String STATEMENT_FAILED = "[ERROR] Could not execute SQL statement.";

  @ParentCommand QuiverCli parent;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "Run the statements in FILE (one per line-ending ';') and exit.")
  Path file;

  @Option(
      names = {"-i", "--init"},
      paramLabel = "FILE",
      description = "Another init script, run after the catalog is created.")
  Path init;

  @Option(
      names = "--catalog",
      paramLabel = "NAME",
      defaultValue = "quiver",
      description = "Name of the catalog to create (default: ${DEFAULT-VALUE}).")
  String catalogName;

  @Override
  public Integer call() throws IOException {
    for (Path p : new Path[] {file, init}) {
      if (p != null && !Files.isRegularFile(p)) {
        throw new QuiverCli.CliUsageException(p + ": no such file");
      }
    }
    CliEnvironment env = parent.environment();
    Path work = Files.createTempDirectory("quiver-sql");
    try {
      Path initScript = work.resolve("init.sql");
      // Owner-only: it holds the offline Iceberg catalog's settings, a password among them.
      Files.createFile(
          initScript,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(initScript, initScript(env, work.resolve("secrets.properties")));
      List<String> args = new ArrayList<>(List.of("embedded", "-i", initScript.toString()));
      if (init != null) {
        args.addAll(List.of("-i", init.toAbsolutePath().toString()));
      }
      if (file != null) {
        args.addAll(List.of("-f", file.toAbsolutePath().toString()));
      }
      Path dataDir = Path.of(env.config().get(CliOptions.DATA_DIR)).toAbsolutePath();
      Files.createDirectories(dataDir);
      args.addAll(List.of("-hist", dataDir.resolve("sql-history").toString()));
      String confDir = System.getenv(FLINK_CONF_DIR);
      if (file == null && confDir != null) {
        return runInProcess(args);
      }
      if (confDir == null) {
        Path generated = Files.createDirectories(work.resolve("conf"));
        writeFlinkConf(generated);
        confDir = generated.toString();
      }
      return runInChild(args, confDir);
    } finally {
      deleteTree(work);
    }
  }

  /**
   * CREATE CATALOG from this configuration, then the offline Iceberg catalog ({@code
   * quiver_offline}, as the exports and backfills see it), then USE CATALOG. The Quiver catalog
   * reads the configuration file itself ({@code config-file}); the other registry and offline
   * options are repeated inline so that {@code --set} overrides and defaults apply, except a secret
   * ({@code registry.password}, {@code offline.properties.jdbc.password}): those go to {@code
   * secrets} (an owner-only properties file, deleted with the script), which the catalog reads as
   * its {@code secrets-file}, since {@code DESCRIBE CATALOG EXTENDED} prints a catalog's options.
   * The offline Iceberg catalog reads the same file when it is a JDBC one ({@link
   * QuiverJdbcCatalog#SECRETS_FILE}); another type's statement holds its settings as written.
   */
  String initScript(CliEnvironment env, Path secrets) throws IOException {
    // The warehouse under quiver.data-dir unless configured, as for export, backfill and serve.
    QuiverConfig config = LocalDefaults.apply(env.config());
    StringBuilder sb = new StringBuilder("CREATE CATALOG `" + catalogName + "` WITH (\n");
    sb.append("  'type' = 'quiver',\n");
    sb.append("  'actor' = '").append(quote(env.actor())).append("'");
    if (env.configFile() != null) {
      sb.append(",\n  'config-file' = '")
          .append(quote(env.configFile().toAbsolutePath().toString()))
          .append("'");
    }
    Properties secret = new Properties();
    for (Map.Entry<String, String> e : config.asMap().entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!QuiverCatalogFactory.isPassed(key)) {
        continue;
      }
      if (OfflineCatalogs.isSecret(key)) {
        secret.setProperty(key, value);
        continue;
      }
      if (key.equals("registry.path") && !value.startsWith("mem:")) {
        value = Path.of(value).toAbsolutePath().toString();
      }
      if (key.equals(OfflineOptions.WAREHOUSE.key())) {
        value = OfflineCatalogs.warehouseUri(value);
      }
      sb.append(",\n  '").append(quote(key)).append("' = '").append(quote(value)).append("'");
    }
    if (!secret.isEmpty()) {
      Files.deleteIfExists(secrets);
      Files.createFile(
          secrets,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer out = Files.newBufferedWriter(secrets, StandardCharsets.UTF_8)) {
        secret.store(out, "quiver sql: secrets of the Quiver catalog, deleted on exit");
      }
      sb.append(",\n  '")
          .append(QuiverCatalogFactory.SECRETS_FILE.key())
          .append("' = '")
          .append(quote(secrets.toAbsolutePath().toString()))
          .append("'");
    }
    sb.append("\n);\n");
    sb.append(TimeTravel.createCatalogSql(config, secret.isEmpty() ? null : secrets)).append(";\n");
    sb.append("USE CATALOG `").append(catalogName).append("`;\n");
    return sb.toString();
  }

  private static String quote(String s) {
    return s.replace("'", "''");
  }

  private int runInProcess(List<String> args) {
    try {
      SqlClient.main(args.toArray(String[]::new));
      return ExitCode.OK;
    } catch (SqlClientException e) {
      parent.spec.commandLine().getErr().println("error: " + e.getMessage());
      return ExitCode.INVALID;
    }
  }

  private int runInChild(List<String> args, String confDir) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Dlog4j2"))
            .toList());
    // A script has no terminal: say so, instead of jline warning that it could not open one.
    cmd.addAll(
        List.of(
            "-Xmx1g",
            "-Dorg.jline.terminal.dumb=true",
            "-cp",
            System.getProperty("java.class.path")));
    cmd.add(SqlClient.class.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put(FLINK_CONF_DIR, confDir);
    boolean interactive = file == null;
    if (interactive) {
      pb.inheritIO();
    }
    Process p = pb.start();
    boolean failed = false;
    if (!interactive) {
      PrintWriter out = parent.spec.commandLine().getOut();
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          out.println(line);
          failed |= line.contains(STATEMENT_FAILED);
        }
      }
      out.flush();
    }
    try {
      return p.waitFor() == 0 && !failed ? ExitCode.OK : ExitCode.INVALID;
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      return ExitCode.FAILURE;
    }
  }

  /** The Flink settings of {@code bin/quiver}'s own configuration directory. */
  static void writeFlinkConf(Path confDir) throws IOException {
    try (InputStream in = SqlCommand.class.getResourceAsStream("/flink-conf/config.yaml")) {
      if (in == null) {
        throw new IllegalStateException("flink-conf/config.yaml missing from the CLI jar");
      }
      Files.write(confDir.resolve("config.yaml"), in.readAllBytes());
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
