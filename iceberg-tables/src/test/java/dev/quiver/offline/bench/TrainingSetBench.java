package dev.quiver.offline.bench;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.offline.FeatureSelection;
import dev.quiver.offline.LabelSource;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.PointInTimeJoin;
import dev.quiver.offline.TrainingSetFiles;
import dev.quiver.offline.TrainingSetRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * Training-set benchmark: N label rows (default 1,000,000) × 3 views (default 3.4M events each)
 * from generated Parquet, through the Flink point-in-time join twice in the same JVM — cold (the
 * JVM's first job: cluster start, class loading, JIT) and warm (the same export again, as a
 * long-running server runs it); in the same run DuckDB's ASOF JOIN on the same Parquet files and
 * Feast's {@code get_historical_features} with its DuckDB offline store (all the labels) and with
 * its default file offline store (a slice of them), when bench/.venv has Feast. Prints the figures
 * and the ratios of both Quiver runs and writes {@code $QUIVER_BENCH_DIR/training-set.json}. (The
 * backfill throughput is {@code BackfillBench} in quiver-jobs, whose planner a backfill needs.)
 *
 * <p>The event files are written with the codec of Quiver's own tables (zstd: Iceberg's table
 * default, which the streaming job and backfills write; {@code -Devents.codec=gzip} gives the files
 * of sessions 1–10) and the label file with Snappy, as pandas writes it ({@code -Dlabels.codec=}).
 *
 * <p>Sizes: {@code -Dlabels=}, {@code -Devents=} (per view), {@code -Dusers=}, {@code
 * -Dfeast.fraction=} (DuckDB store, default 1.0 since session 11: all the label rows, as Quiver and
 * DuckDB get; its per-row cost at 10% was about 1.4× that at 100%), {@code -Dfeast.file.fraction=}
 * (file store, default 0.1: it takes over a minute for 10%); {@code -Dwarm=false} runs only the
 * cold export; {@code -Dsteady=true} adds a third export (after the warm one: what is left of the
 * JIT's work in the warm run), reported beside the two and not used in the ratios; {@code
 * -Dfresh=true} (session 10) adds the export as {@code quiver export} runs it, in a new JVM each
 * (start to exit, process CPU), once with the CLI's JVM options ({@link #CLI_EXPORT_OPTS}, or
 * {@code -Dfresh.opts=}) and once with the JVM's defaults, each with its own ratio to DuckDB (since
 * session 11 on bin/quiver's jars, CPU counted to the process's exit; {@code -Dfresh.cds=true} adds
 * a class-data sharing archive: a first export that writes it, then one that maps it); {@code
 * -Dbaselines=false} runs Quiver alone (for profiling). Pass them in {@code
 * QUIVER_BENCH_JAVA_OPTS}.
 */
public final class TrainingSetBench {
  static final long BASE = 1_714_521_600_000L; // 2024-05-01
  static final long SPAN = 30L * 86_400_000L;

  public static void main(String[] args) throws Exception {
    int labels = Integer.getInteger("labels", 1_000_000);
    int events = Integer.getInteger("events", 3_400_000);
    int users = Integer.getInteger("users", 100_000);
    double feastFraction = Double.parseDouble(System.getProperty("feast.fraction", "1.0"));
    double feastFileFraction = Double.parseDouble(System.getProperty("feast.file.fraction", "0.1"));
    Path out = Path.of(System.getenv().getOrDefault("QUIVER_BENCH_DIR", "target/bench"));
    Path work = out.resolve("training-set-work");
    deleteTree(work);
    Files.createDirectories(work);
    Path wh = work.resolve("warehouse");
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", wh.toString(), "offline.parallelism", "2"));
    Catalog catalog = OfflineCatalogs.open(config);

    List<FeatureView> views = views();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> writes = new ArrayList<>();
    int vi = 0;
    for (FeatureView v : views) {
      int seed = vi++;
      writes.add(
          pool.submit(
              () -> {
                writeView(
                    catalog,
                    v,
                    work.resolve("events").resolve(v.name() + ".parquet"),
                    events,
                    users,
                    seed);
                return null;
              }));
    }
    Path labelFile = work.resolve("labels").resolve("labels.parquet");
    writes.add(
        pool.submit(
            () -> {
              writeLabels(labelFile, labels, users);
              return null;
            }));
    for (Future<?> f : writes) {
      f.get();
    }
    pool.shutdown();
    double genSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "generated %,d labels and 3 x %,d events in %.1f s%n",
        labels,
        events,
        genSeconds);

    // Quiver (Flink batch point-in-time join)
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    TrainingSetRequest req = request(work, views, "quiver-out");
    // cold: the JVM's first job (starts the local Flink cluster, loads classes, JIT from zero)
    Run cold = quiver(join, req, "quiver (flink, cold: first job in the JVM)");
    PointInTimeJoin.Result res = cold.result();
    // warm: the same export again in the same JVM, as a long-running server (`quiver serve`)
    // would run it: cluster up, classes loaded, JIT warm
    Run warm =
        Boolean.parseBoolean(System.getProperty("warm", "true"))
            ? quiver(
                join,
                req.withOutput(work.resolve("quiver-out-warm").toString()),
                "quiver (flink, warm: second export in the same JVM)")
            : null;
    Run steady =
        warm != null && Boolean.getBoolean("steady")
            ? quiver(
                join,
                req.withOutput(work.resolve("quiver-out-steady").toString()),
                "quiver (flink, steady: third export in the same JVM)")
            : null;
    double quiverSeconds = cold.seconds();
    double quiverCpu = cold.cpuSeconds();
    // -Dfresh=true: the same export in a new JVM each, as `quiver export` runs it from the shell
    // (JVM start to exit), with the CLI's JVM options and with the JVM's defaults
    List<FreshRun> fresh = new ArrayList<>();
    if (Boolean.getBoolean("fresh")) {
      String cliOpts = System.getProperty("fresh.opts", CLI_EXPORT_OPTS);
      String cp = cliClasspath(work);
      if (cp != null && Boolean.getBoolean("fresh.cds")) {
        // -Dfresh.cds=true (session 11, measured and not made the default): a class-data sharing
        // archive written at the first export's exit, mapped by the next
        Path archive = work.resolve("fresh").resolve("export.jsa");
        fresh.add(
            fresh(
                work,
                "cli_first",
                cliOpts + " -XX:ArchiveClassesAtExit=" + archive + " " + CDS_QUIET,
                cp));
        fresh.add(
            fresh(
                work, "cli", cliOpts + " -XX:SharedArchiveFile=" + archive + " " + CDS_QUIET, cp));
      } else {
        fresh.add(fresh(work, "cli", cliOpts, cp));
      }
      fresh.add(fresh(work, "defaults", "", cp));
    }

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "training-set");
    json.put("labels", labels);
    json.put("views", 3);
    json.put("feature_rows", 3L * events);
    json.put("users", users);
    json.put("quiver_seconds", quiverSeconds);
    json.put("quiver_rows_per_second", res.rows() / quiverSeconds);
    json.put("quiver_cpu_seconds", quiverCpu);
    if (warm != null) {
      json.put("quiver_warm_seconds", warm.seconds());
      json.put("quiver_warm_rows_per_second", warm.result().rows() / warm.seconds());
      json.put("quiver_warm_cpu_seconds", warm.cpuSeconds());
    }
    if (steady != null) {
      json.put("quiver_steady_seconds", steady.seconds());
      json.put("quiver_steady_cpu_seconds", steady.cpuSeconds());
    }
    for (FreshRun f : fresh) {
      json.put("quiver_fresh_" + f.name() + "_jvm_options", f.options());
      json.put("quiver_fresh_" + f.name() + "_seconds", f.seconds());
      json.put("quiver_fresh_" + f.name() + "_cpu_seconds", f.cpuSeconds());
    }
    // -Dbaselines=false (profiling): Quiver only, no DuckDB or Feast, and no ratios in the JSON
    boolean baselines = Boolean.parseBoolean(System.getProperty("baselines", "true"));
    json.put("baselines", baselines);
    if (baselines) {
      baselines(json, work, labelFile, views, labels, feastFraction, feastFileFraction, cold, warm);
      for (FreshRun f : fresh) {
        double duckSecs = (Double) json.get("duckdb_seconds");
        double duckCpu = (Double) json.get("duckdb_cpu_seconds");
        json.put("quiver_fresh_" + f.name() + "_vs_duckdb_time_ratio", f.seconds() / duckSecs);
        json.put("quiver_fresh_" + f.name() + "_vs_duckdb_cpu_ratio", f.cpuSeconds() / duckCpu);
        System.out.printf(
            Locale.ROOT,
            "quiver fresh JVM (%s) vs duckdb: %.2fx the time (target <= 2x), %.2fx the CPU%n",
            f.name(),
            f.seconds() / duckSecs,
            f.cpuSeconds() / duckCpu);
      }
    } else {
      json.put("load_average", loadAverage());
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve("training-set.json"), toJson(json));
    System.out.println("wrote " + out.resolve("training-set.json"));
    dev.quiver.offline.FlinkBatch.stopSharedCluster(); // its threads would keep the JVM alive
  }

  /**
   * The baselines on the same Parquet files and their ratios to Quiver's runs ({@code warm} may be
   * null): DuckDB's ASOF JOIN, then Feast's get_historical_features on slices (its DuckDB offline
   * store, then its default file store).
   */
  static void baselines(
      Map<String, Object> json,
      Path work,
      Path labelFile,
      List<FeatureView> views,
      int labels,
      double feastFraction,
      double feastFileFraction,
      Run cold,
      Run warm)
      throws Exception {
    double quiverSeconds = cold.seconds();
    double quiverCpu = cold.cpuSeconds();
    // DuckDB ASOF JOIN on the same Parquet files
    long dc0 = processCpuNanos();
    double duckSeconds = duckdb(work, labelFile, views);
    double duckCpu = (processCpuNanos() - dc0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "duckdb asof    : %,d rows in %.1f s = %,.0f rows/s, %.1f CPU-s (load average %.1f)%n",
        labels,
        duckSeconds,
        labels / duckSeconds,
        duckCpu,
        loadAverage());

    // Feast get_historical_features on slices: its DuckDB offline store, then its default file
    // store
    Map<String, Object> feastDuck = feast(work, labelFile, feastFraction, "duckdb");
    Map<String, Object> feastFile = feast(work, labelFile, feastFileFraction, "file");

    json.put("duckdb_seconds", duckSeconds);
    json.put("duckdb_rows_per_second", labels / duckSeconds);
    json.put("duckdb_cpu_seconds", duckCpu);
    json.put("quiver_vs_duckdb_time_ratio", quiverSeconds / duckSeconds);
    json.put("quiver_vs_duckdb_cpu_ratio", quiverCpu / duckCpu);
    if (warm != null) {
      json.put("quiver_warm_vs_duckdb_time_ratio", warm.seconds() / duckSeconds);
      json.put("quiver_warm_vs_duckdb_cpu_ratio", warm.cpuSeconds() / duckCpu);
    }
    json.put("load_average", loadAverage());
    json.put("target_vs_duckdb", "<= 2.0");
    json.put("target_vs_feast", ">= 10.0");
    json.putAll(feastDuck);
    json.putAll(feastFile);
    System.out.println("--- ratios (cold = first job in the JVM; warm = second export in the JVM)");
    for (Run run : warm == null ? List.of(cold) : List.of(cold, warm)) {
      String which = run == cold ? "cold" : "warm";
      System.out.printf(
          Locale.ROOT,
          "quiver %s vs duckdb: %.2fx the time (target <= 2x), %.2fx the CPU%n",
          which,
          run.seconds() / duckSeconds,
          run.cpuSeconds() / duckCpu);
      for (String store : List.of("duckdb", "file")) {
        Map<String, Object> f = store.equals("duckdb") ? feastDuck : feastFile;
        if (!(f.get("feast_" + store + "_rows_per_second") instanceof Double fr)) {
          continue;
        }
        double speedup = (run.result().rows() / run.seconds()) / fr;
        double cpuSpeedup =
            f.get("feast_" + store + "_cpu_seconds") instanceof Double fc && !fc.isNaN()
                ? (run.result().rows() / run.cpuSeconds())
                    / ((Long) f.get("feast_" + store + "_label_rows") / fc)
                : Double.NaN;
        json.put("quiver_" + which + "_vs_feast_" + store + "_throughput_ratio", speedup);
        json.put(
            "quiver_" + which + "_vs_feast_" + store + "_rows_per_cpu_second_ratio", cpuSpeedup);
        System.out.printf(
            Locale.ROOT,
            "quiver %s vs feast (%s offline store, %.0f%% slice): %.1fx the throughput (target >="
                + " 10x), %.1fx the rows per CPU-second%n",
            which,
            store,
            100 * (Double) f.get("feast_" + store + "_fraction"),
            speedup,
            cpuSpeedup);
      }
    }
  }

  static List<FeatureView> views() {
    List<FeatureView> views = new ArrayList<>();
    for (String v : List.of("bench_a", "bench_b", "bench_c")) {
      views.add(
          FeatureView.builder(v)
              .entities(List.of("user"))
              .ttl(Duration.ofDays(7))
              .features(
                  List.of(
                      Feature.row("f_double", FeatureType.FLOAT64),
                      Feature.row("f_long", FeatureType.INT64)))
              .build());
    }
    return views;
  }

  static TrainingSetRequest request(Path work, List<FeatureView> views, String output) {
    return new TrainingSetRequest(
        views.stream().map(FeatureSelection::all).toList(),
        LabelSource.of(work.resolve("labels").toString(), "ts"),
        null,
        work.resolve(output).toString(),
        true,
        Map.of());
  }

  /** The JVM options bin/quiver adds for {@code quiver export} (keep the two the same). */
  static final String CLI_EXPORT_OPTS = "-XX:TieredStopAtLevel=1";

  /** Options that keep a class-data sharing archive's messages off the output. */
  static final String CDS_QUIET = "-Xlog:cds=off,cds+dynamic=off,class+path=off";

  /**
   * The class path bin/quiver runs (cli/target's jar and lib/*.jar, in the order the launcher's
   * wildcard gives) plus this bench's classes packed into a jar, since class-data sharing archives
   * only classes from jars; null when the CLI is not packaged ({@code make build}), and then the
   * fresh JVMs use this JVM's class path (without an archive).
   */
  static String cliClasspath(Path work) throws Exception {
    Path cli = Path.of("cli", "target");
    Path lib = cli.resolve("lib");
    if (!Files.isDirectory(lib)) {
      return null;
    }
    List<String> cp = new ArrayList<>();
    try (var s = Files.list(cli)) {
      s.map(Path::toString)
          .filter(n -> n.matches(".*quiver-cli-[^/]*\\.jar") && !n.endsWith("-tests.jar"))
          .forEach(cp::add);
    }
    if (cp.isEmpty()) {
      return null;
    }
    try (var s = Files.list(lib)) {
      s.map(Path::toString).filter(n -> n.endsWith(".jar")).sorted().forEach(cp::add);
    }
    Path classes =
        Path.of(TrainingSetBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path jar = work.resolve("fresh").resolve("bench-classes.jar");
    Files.createDirectories(jar.getParent());
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
        var files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        out.putNextEntry(
            new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    cp.add(jar.toString());
    System.out.println("fresh-JVM exports run bin/quiver's jars (" + cli + ") and " + jar);
    return String.join(java.io.File.pathSeparator, cp);
  }

  /**
   * One export in a new JVM ({@link Fresh}, -Xmx2g as bin/quiver, this JVM's --add-opens, then
   * {@code opts}): wall time from the JVM's start to its exit, and the process's CPU (JVM start,
   * class loading and the JIT included) as the child reads it at the end of its main.
   */
  static FreshRun fresh(Path work, String name, String opts, String classpath) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")) {
        cmd.add(a);
      }
    }
    if (!opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-cp",
            classpath != null ? classpath : System.getProperty("java.class.path"),
            Fresh.class.getName(),
            work.toString(),
            "quiver-out-fresh-" + name));
    double load0 = loadAverage();
    double reaped0 = reapedChildrenCpuSeconds();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int rc = p.waitFor();
    double seconds = (System.nanoTime() - t0) / 1e9;
    String line = out.lines().filter(l -> l.startsWith("FRESH ")).findFirst().orElse(null);
    if (rc != 0 || line == null) {
      throw new IllegalStateException("fresh-JVM export failed (exit " + rc + "):\n" + out);
    }
    String[] f = line.split(" ");
    long rows = Long.parseLong(f[1]);
    double inMain = Double.parseDouble(f[2]);
    // the child's whole CPU, what runs after its main included (writing a class archive at exit)
    double reaped = reapedChildrenCpuSeconds() - reaped0;
    double cpu = reaped > 0 ? reaped : inMain;
    System.out.printf(
        Locale.ROOT,
        "quiver (flink, fresh JVM, %s: %s): %,d rows in %.1f s start to exit = %,.0f rows/s,"
            + " %.1f CPU-s start to exit (%.1f to the end of main) (load average %.1f-%.1f)%n",
        name,
        opts.isBlank() ? "JVM defaults" : opts,
        rows,
        seconds,
        rows / seconds,
        cpu,
        inMain,
        load0,
        loadAverage());
    out.lines().filter(l -> l.startsWith("  of which")).forEach(System.out::println);
    return new FreshRun(name, opts, seconds, cpu);
  }

  /**
   * The CPU-seconds of this process's children that have exited and been waited for ({@code cutime
   * + cstime} of /proc/self/stat, in the kernel's 100 Hz user ticks), or 0 off Linux.
   */
  static double reapedChildrenCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): cutime is field 16, cstime field 17
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** One export in a new JVM: its JVM options, start-to-exit seconds and process CPU-seconds. */
  record FreshRun(String name, String options, double seconds, double cpuSeconds) {}

  /**
   * A fresh JVM's one export of the bench's data (written by the parent): prints {@code FRESH
   * <rows> <process CPU-s>} and the CPU of its JIT and GC threads.
   */
  public static final class Fresh {
    public static void main(String[] args) throws Exception {
      Path work = Path.of(args[0]);
      QuiverConfig config =
          QuiverConfig.of(
              Map.of(
                  "offline.warehouse",
                  work.resolve("warehouse").toString(),
                  "offline.parallelism",
                  "2"));
      Catalog catalog = OfflineCatalogs.open(config);
      PointInTimeJoin.Result r =
          new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
              .run(request(work, views(), args[1]));
      dev.quiver.offline.FlinkBatch.stopSharedCluster();
      double cpu = processCpuNanos() / 1e9;
      System.out.printf(Locale.ROOT, "FRESH %d %.3f%n", r.rows(), cpu);
      // since the JVM started: its start, class loading and JIT included
      System.out.println("  " + ThreadCpu.describe(Map.of(), ThreadCpu.byKind(), cpu));
    }
  }

  /** One timed export. */
  record Run(PointInTimeJoin.Result result, double seconds, double cpuSeconds) {}

  static Run quiver(PointInTimeJoin join, TrainingSetRequest req, String label) {
    long q0 = System.nanoTime();
    Map<String, Long> threads0 = ThreadCpu.byKind();
    long qc0 = processCpuNanos();
    PointInTimeJoin.Result res = join.run(req);
    Run run = new Run(res, (System.nanoTime() - q0) / 1e9, (processCpuNanos() - qc0) / 1e9);
    Map<String, Long> threads1 = ThreadCpu.byKind();
    System.out.printf(
        Locale.ROOT,
        "%s: %,d rows in %.1f s = %,.0f rows/s, %.1f CPU-s (load average %.1f)%n",
        label,
        res.rows(),
        run.seconds(),
        res.rows() / run.seconds(),
        run.cpuSeconds(),
        loadAverage());
    System.out.println("  " + ThreadCpu.describe(threads0, threads1, run.cpuSeconds()));
    return run;
  }

  static void writeView(Catalog catalog, FeatureView view, Path file, int n, int users, int seed)
      throws IOException {
    Schema schema = OfflineTables.schema(view);
    Table table =
        catalog
            .buildTable(OfflineTables.identifier(view), schema)
            .withPartitionSpec(PartitionSpec.unpartitioned())
            .withProperty(TableProperties.FORMAT_VERSION, "2")
            .create();
    SplittableRandom rnd = new SplittableRandom(seed);
    // The codec Quiver's own tables use: OfflineTables creates them with Iceberg's table defaults,
    // which set write.parquet.compression-codec (zstd since Iceberg 1.4), so the streaming job's
    // and the backfill's files are written with it. Files written outside a table would be gzip.
    // -Devents.codec=gzip reproduces the files of the benchmarks before session 11.
    String codec =
        System.getProperty(
            "events.codec",
            table
                .properties()
                .getOrDefault(
                    TableProperties.PARQUET_COMPRESSION,
                    TableProperties.PARQUET_COMPRESSION_DEFAULT));
    TrainingSetFiles.write(
        table.schema(),
        file,
        generated(
            n,
            i -> {
              GenericRecord r = GenericRecord.create(table.schema());
              long t = BASE + rnd.nextLong(SPAN);
              r.setField("user_id", "u" + rnd.nextInt(users));
              r.setField("event_time", OfflineWriter.timestamptz(t));
              r.setField("f_double", rnd.nextDouble());
              r.setField("f_long", (long) i);
              r.setField("_seq", (long) i);
              r.setField("_ingested_at", OfflineWriter.timestamptz(t + 1000));
              return r;
            }),
        codec);
    TrainingSetFiles.appendTo(table, file);
  }

  static void writeLabels(Path file, int n, int users) {
    Schema schema =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(3, "label", Types.IntegerType.get()));
    SplittableRandom rnd = new SplittableRandom(99);
    TrainingSetFiles.write(
        schema,
        file,
        generated(
            n,
            i -> {
              GenericRecord r = GenericRecord.create(schema);
              r.setField("user_id", "u" + rnd.nextInt(users));
              r.setField("ts", OfflineWriter.timestamptz(BASE + rnd.nextLong(SPAN + 86_400_000L)));
              r.setField("label", rnd.nextInt(2));
              return r;
            }),
        // what pandas' and pyarrow's to_parquet write by default; -Dlabels.codec=gzip: as before
        System.getProperty("labels.codec", "snappy"));
  }

  static Iterable<Record> generated(int n, Function<Integer, Record> make) {
    return () ->
        new Iterator<>() {
          int i;

          @Override
          public boolean hasNext() {
            return i < n;
          }

          @Override
          public Record next() {
            return make.apply(i++);
          }
        };
  }

  static double duckdb(Path work, Path labels, List<FeatureView> views) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET threads TO 2");
      StringBuilder sql = new StringBuilder("COPY (SELECT l.user_id, l.ts, l.label");
      for (FeatureView v : views) {
        String a = v.name();
        for (String f : List.of("f_double", "f_long")) {
          sql.append(", CASE WHEN ")
              .append(a)
              .append(".event_time > l.ts - INTERVAL 7 DAY THEN ")
              .append(a)
              .append('.')
              .append(f)
              .append(" END AS ")
              .append(a)
              .append("__")
              .append(f);
        }
      }
      sql.append(" FROM read_parquet('").append(labels).append("') l");
      for (FeatureView v : views) {
        String a = v.name();
        sql.append(" ASOF LEFT JOIN read_parquet('")
            .append(work.resolve("events").resolve(a + ".parquet"))
            .append("') ")
            .append(a)
            .append(" ON l.user_id = ")
            .append(a)
            .append(".user_id AND l.ts >= ")
            .append(a)
            .append(".event_time");
      }
      sql.append(" ORDER BY l.ts, l.user_id) TO '")
          .append(work.resolve("duckdb-out.parquet"))
          .append("' (FORMAT PARQUET)");
      long d0 = System.nanoTime();
      s.execute(sql.toString());
      double secs = (System.nanoTime() - d0) / 1e9;
      try (ResultSet rs =
          s.executeQuery(
              "SELECT COUNT(*) FROM read_parquet('" + work.resolve("duckdb-out.parquet") + "')")) {
        rs.next();
        System.out.printf(Locale.ROOT, "duckdb wrote %,d rows%n", rs.getLong(1));
      }
      return secs;
    }
  }

  /**
   * Runs {@code feast_historical.py} with one offline store ({@code duckdb} or {@code file}) on the
   * first {@code fraction} of the label rows; throughput is label rows of the slice per second.
   */
  static Map<String, Object> feast(Path work, Path labels, double fraction, String store)
      throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    String p = "feast_" + store + "_";
    Path py = Path.of("bench/.venv/bin/python");
    Path script = Path.of("bench/feast/feast_historical.py");
    if ("false".equals(System.getenv("QUIVER_BENCH_FEAST"))) {
      System.out.println("feast (" + store + " offline store): not run (QUIVER_BENCH_FEAST=false)");
      out.put(p + "status", "not run: QUIVER_BENCH_FEAST=false");
      return out;
    }
    if (!Files.exists(py) || !Files.exists(script)) {
      System.out.println(
          "feast: not run (bench/.venv with feast not found: QUIVER_BENCH_FEAST=false, or pip failed; see bench/feast/README.md)");
      out.put(p + "status", "not run: bench/.venv missing");
      return out;
    }
    Path result = work.resolve("feast-" + store + ".json");
    ProcessBuilder pb =
        new ProcessBuilder(
                py.toString(),
                script.toString(),
                "--events-dir",
                work.resolve("events").toString(),
                "--labels",
                labels.toString(),
                "--fraction",
                Double.toString(fraction),
                "--store",
                store,
                "--work",
                work.resolve("feast-" + store).toString(),
                "--out",
                result.toString())
            .inheritIO();
    int rc = pb.start().waitFor();
    if (rc != 0 || !Files.exists(result)) {
      out.put(p + "status", "failed: exit " + rc);
      return out;
    }
    String json = Files.readString(result);
    double secs = number(json, "seconds");
    long rows = (long) number(json, "rows");
    long labelRows = (long) number(json, "label_rows");
    double cpu = number(json, "cpu_seconds");
    System.out.printf(
        Locale.ROOT,
        "feast (%s offline store, %.0f%% slice): %,d label rows in %.1f s = %,.0f rows/s, %.1f"
            + " CPU-s, %,d rows returned (load average %.1f)%n",
        store,
        fraction * 100,
        labelRows,
        secs,
        labelRows / secs,
        cpu,
        rows,
        loadAverage());
    out.put(p + "fraction", fraction);
    out.put(p + "label_rows", labelRows);
    out.put(p + "rows_returned", rows);
    out.put(p + "seconds", secs);
    out.put(p + "rows_per_second", labelRows / secs);
    out.put(p + "cpu_seconds", cpu);
    return out;
  }

  static double number(String json, String key) {
    return Double.parseDouble(json.replaceAll("(?s).*\"" + key + "\":\\s*([0-9.eE+-]+).*", "$1"));
  }

  /** CPU time of this process (the local Flink cluster and DuckDB run inside it). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  static String toJson(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      Object v = e.getValue();
      sb.append("  \"")
          .append(e.getKey())
          .append("\": ")
          .append(v instanceof Number ? v.toString() : "\"" + v + "\"")
          .append(++i < m.size() ? ",\n" : "\n");
    }
    return sb.append("}\n").toString();
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }
}
