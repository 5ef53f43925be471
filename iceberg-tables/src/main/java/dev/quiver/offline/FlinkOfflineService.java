package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.core.registry.AuditEntry;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.RetiredServicePin;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline service on Flink: exports ({@link PointInTimeJoin}) and backfills ({@link Backfill})
 * run one at a time on a single job thread (the machine's cores go to the Flink job itself), with
 * their progress visible through {@link #status}. Requests are validated and resolved against the
 * registry when submitted, so a bad request fails at once with a message naming the field.
 */
public final class FlinkOfflineService implements OfflineService {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkOfflineService.class);

  private final QuiverConfig config;
  private final FeatureRegistry registry;
  private final Catalog catalog;
  private final ExecutorService executor;

  /** How long {@link #cancel} waits for a running job to stop before answering. */
  private static final long CANCEL_WAIT_SECONDS = 60;

  private final Map<String, Job> jobs = new ConcurrentHashMap<>();

  /** The warm-up's run ({@link #warmUp}), cancelled when the service closes. */
  private volatile java.util.concurrent.Future<?> warmingUp;

  /**
   * @param config the offline store, Flink and (for {@code --online} backfills) online store
   *     settings
   */
  public FlinkOfflineService(QuiverConfig config, FeatureRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.catalog = OfflineCatalogs.open(config);
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "quiver-offline-jobs");
              t.setDaemon(true);
              return t;
            });
  }

  /** Mutable job record; fields are read by status() from other threads. */
  private static final class Job {
    final String id;
    final String kind;
    final Instant submittedAt = Instant.now();
    volatile JobStatus.State state = JobStatus.State.QUEUED;
    volatile double progress;
    volatile long rows;
    volatile String output;
    volatile String error;
    volatile Instant finishedAt;
    volatile Map<String, Object> details = Map.of();
    volatile boolean cancelRequested;
    volatile java.util.concurrent.Future<?> future;
    final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    Job(String id, String kind) {
      this.id = id;
      this.kind = kind;
    }

    JobStatus snapshot() {
      return new JobStatus(
          id, kind, state, progress, rows, output, error, submittedAt, finishedAt, details);
    }
  }

  /**
   * With {@code offline.warm-up} (the default), runs {@link ExportWarmUp} on the offline jobs'
   * thread: jobs submitted meanwhile wait for it, as they would have paid the same start-up.
   */
  @Override
  public void warmUp() {
    if (!config.get(OfflineOptions.WARM_UP)) {
      return;
    }
    warmingUp =
        executor.submit(
            () -> {
              long t0 = System.nanoTime();
              try {
                long rows = ExportWarmUp.run(config.get(OfflineOptions.PARALLELISM));
                LOG.info(
                    "offline warm-up: a {}-row export on generated data in {} ms",
                    rows,
                    (System.nanoTime() - t0) / 1_000_000);
              } catch (RuntimeException | Error e) {
                if (Thread.currentThread().isInterrupted()) {
                  LOG.info("offline warm-up stopped: the service is closing");
                } else {
                  LOG.warn(
                      "offline warm-up failed (exports are not affected, only slower to start)", e);
                }
              }
            });
  }

  @Override
  public String submitExport(ExportRequest req) {
    Path out = Path.of(req.output());
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException(
          "output: '"
              + req.output()
              + "' is a file (expected: a directory for the Parquet parts and _manifest.json)");
    }
    List<String> warnings = new java.util.ArrayList<>();
    TrainingSetRequest request = toTrainingSet(req, warnings);
    boolean rebuild = req.manifest() != null;
    TrainingSetManifest manifest =
        rebuild ? TrainingSetManifest.read(Path.of(req.manifest())) : null;
    if (rebuild) {
      keepsInput(out, Path.of(req.manifest()), "the manifest being rebuilt");
    }
    TrainingSetManifest.LabelEntry pinned = rebuild ? manifest.labels() : null;
    if (pinned != null && !pinned.format().equals("iceberg")) {
      keepsInput(out, Path.of(pinned.location()), "the label rows");
      labelsUnchanged(pinned);
    }
    if (!rebuild && request.labels() != null && !request.labels().format().equals("iceberg")) {
      keepsInput(out, Path.of(request.labels().location()), "the label rows");
    }
    Job job = new Job(UUID.randomUUID().toString(), "export");
    job.output = Path.of(req.output()).toAbsolutePath().toString();
    job.details = warningDetails(warnings);
    return submit(
        job,
        () -> {
          PointInTimeJoin join =
              new PointInTimeJoin(
                  catalog,
                  OfflineCatalogs.properties(config),
                  config.get(OfflineOptions.PARALLELISM));
          PointInTimeJoin.Result res =
              rebuild
                  ? join.rebuild(manifest, req.output())
                  : join.run(request, (done, total) -> progress(job, done, total));
          job.rows = res.rows();
          Map<String, Object> details = new java.util.LinkedHashMap<>(job.details);
          if (!res.warnings().isEmpty()) {
            // the availability guard's (a view held back in every row), after the registry's
            List<String> all = new java.util.ArrayList<>(warnings);
            all.addAll(res.warnings());
            details.put("warnings", List.copyOf(all));
          }
          details.put("output", res.output().toString());
          details.put("data_files", res.dataFiles().stream().map(Path::toString).toList());
          details.put("manifest", res.manifestFile().toString());
          details.put("output_checksum", res.manifest().outputChecksum());
          details.put("output_data_checksum", res.manifest().outputDataChecksum());
          if (rebuild && manifest.outputDataChecksum() != null) {
            // The pages of every part, in part order, against the original export's (the files'
            // own checksums may differ in the footer only: see TrainingSetManifest).
            details.put(
                "matches_manifest",
                manifest.outputDataChecksum().equals(res.manifest().outputDataChecksum()));
          }
          job.details = java.util.Collections.unmodifiableMap(details);
        });
  }

  /**
   * Refuses an output directory that would replace or delete an input of the export: an export
   * replaces the {@code part-*.parquet} files and {@code _manifest.json} of its output directory,
   * and a failed one deletes them, so rebuilding {@code out/_manifest.json} into {@code out/} lost
   * the original export (and its manifest) when the rebuild failed, e.g. on changed labels.
   */
  private static void keepsInput(Path out, Path input, String what) {
    Path dir = real(out);
    Path in = real(input);
    String name = in.getFileName() == null ? "" : in.getFileName().toString();
    boolean replaced =
        in.equals(dir)
            || dir.equals(in.getParent())
                && (name.equals(TrainingSetManifest.FILE)
                    || name.startsWith(TrainingSetFiles.PART_PREFIX)
                        && name.endsWith(TrainingSetFiles.PART_SUFFIX));
    if (replaced) {
      throw new IllegalArgumentException(
          "output: '"
              + out
              + "' holds "
              + what
              + " ("
              + input
              + "), which an export replaces in its output directory (its part-*.parquet files"
              + " and _manifest.json) and a failed export deletes (expected: another directory)");
    }
  }

  /**
   * Refuses a rebuild whose label files changed since its manifest was written, when it is
   * submitted (the job checks again what it reads): it was a job that failed after starting.
   */
  private static void labelsUnchanged(TrainingSetManifest.LabelEntry pinned) {
    String now;
    try {
      now = LabelTables.fileChecksum(pinned.format(), pinned.location());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("reading labels " + pinned.location(), e);
    }
    if (now != null && pinned.checksum() != null && !now.equals(pinned.checksum())) {
      throw new IllegalArgumentException(
          "labels: changed since the manifest was written: "
              + pinned.location()
              + " has checksum "
              + now
              + ", the manifest recorded "
              + pinned.checksum()
              + " (restore the original label files to rebuild)");
    }
  }

  /** The path with symbolic links resolved as far as it exists, absolute and normalized. */
  private static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return abs;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(abs));
    } catch (java.io.IOException e) {
      return abs;
    }
  }

  private static void progress(Job job, long done, long total) {
    job.rows = done;
    job.progress = Math.max(job.progress, Backfill.fraction(done, total));
  }

  /** A job's details while it runs: the registry's reader warnings (a DEPRECATED view read). */
  private static Map<String, Object> warningDetails(List<String> warnings) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (!warnings.isEmpty()) {
      d.put("warnings", List.copyOf(warnings));
    }
    return d;
  }

  private TrainingSetRequest toTrainingSet(ExportRequest req, List<String> warnings) {
    if (req.manifest() != null) {
      if (!Files.exists(Path.of(req.manifest()))) {
        throw new IllegalArgumentException(
            "manifest: '" + req.manifest() + "' does not exist (expected: a _manifest.json file)");
      }
      return null;
    }
    List<String> refs =
        req.featureService() == null
            ? req.features()
            : FeatureResolver.serviceFeatures(registry, req.namespace(), req.featureService());
    List<FeatureSelection> features;
    try {
      features = FeatureResolver.resolve(registry, req.namespace(), refs, warnings);
    } catch (RegistryException e) {
      if (req.featureService() == null) {
        throw e;
      }
      // a pin to a RETIRED version: name the service, its reference and the re-pin
      throw RetiredServicePin.of(
              registry,
              req.namespace(),
              req.featureService(),
              refs.stream().map(FeatureRef::parse).toList(),
              e)
          .orElseThrow(() -> e);
    }
    boolean guard =
        req.availabilityGuard() != null
            ? req.availabilityGuard()
            : config.get(OfflineOptions.AVAILABILITY_GUARD);
    LabelSource labels =
        req.labels() == null ? null : LabelSource.of(req.labels(), req.timestampColumn());
    if (labels != null
        && !labels.format().equals("iceberg")
        && !Files.exists(Path.of(req.labels()))) {
      throw new IllegalArgumentException(
          "labels: '" + req.labels() + "' does not exist (expected: a Parquet or CSV file/folder)");
    }
    if (labels != null
        && labels.format().equals("iceberg")
        && !catalog.tableExists(
            org.apache.iceberg.catalog.TableIdentifier.parse(labels.location()))) {
      // refused when submitted, as a missing label file is, instead of a job that fails
      throw LabelTables.noSuchTable(labels.location(), null);
    }
    if (labels != null) {
      LabelTables.checkColumns(labels, catalog, features);
    }
    Spine spine =
        !req.times().isEmpty()
            ? new Spine(req.times())
            : req.from() != null ? Spine.range(req.from(), req.to(), req.step()) : null;
    TrainingSetRequest request =
        new TrainingSetRequest(features, labels, spine, req.output(), guard, Map.of());
    // refused when submitted, as missing labels are, instead of a job that fails
    for (FeatureSelection f : features) {
      TrainingSetPlan.requireTable(catalog, f.view());
    }
    return request;
  }

  @Override
  public String submitBackfill(BackfillRequest req) {
    // resolved as lookups resolve it: 'latest' of a view whose only version is DEPRECATED reads
    // that version, with its warning in the job's details
    var rec = registry.viewForRead(req.namespace(), req.view(), req.version());
    FeatureView view = rec.view();
    var keys = FeatureResolver.joinKeys(registry, view);
    Backfill backfill = new Backfill(config, catalog);
    backfill.check(view, req.source()); // a missing file or table, a malformed Kafka range: 400
    Job job = new Job(UUID.randomUUID().toString(), req.dryRun() ? "backfill-dry-run" : "backfill");
    job.output = OfflineTables.identifier(view).toString();
    List<String> warnings = new java.util.ArrayList<>(rec.warnings());
    String overlap = Backfill.streamingOverlap(view, req.to(), Instant.now());
    if (overlap != null) {
      warnings.add(overlap);
    }
    job.details = warningDetails(warnings);
    Map<String, Object> warned = job.details;
    return submit(
        job,
        () -> {
          if (req.dryRun()) {
            Backfill.Plan p =
                backfill.plan(view, keys, req.source(), req.from(), req.to(), req.online());
            job.rows = p.rows();
            Map<String, Object> d = planDetails(p);
            d.putAll(warned);
            d.put("sql", p.sql()); // the dry run shows what would run (backfills.md)
            // nothing is appended, so no id: the real run draws its own, and a preview's id
            // would name no snapshot tag and no audit record
            d.remove("backfill_id");
            d.values().removeIf(v -> v == null);
            job.details = d;
            return;
          }
          Backfill.Result r;
          try {
            r =
                backfill.run(
                    view,
                    keys,
                    req.source(),
                    req.from(),
                    req.to(),
                    req.online(),
                    (read, total) ->
                        job.progress = Math.max(job.progress, Backfill.fraction(read, total)));
          } catch (Backfill.Committed c) {
            // cancelled or failed after its Iceberg commit (in the online step): the snapshot
            // is there, so are its details and its audit record, with the state it ended in
            job.rows = c.result().rows();
            job.details = runDetails(c.result(), warned);
            job.output = backfillOutput(view, c.result());
            audit(req, view, c.result(), job.cancelRequested ? "cancelled" : "failed");
            throw c;
          }
          job.rows = r.rows();
          job.details = runDetails(r, warned);
          job.output = backfillOutput(view, r);
          audit(req, view, r, "succeeded");
        });
  }

  /**
   * A backfill's output: its table at the snapshot it committed, or the table alone when it
   * appended nothing (it was {@code table@null}).
   */
  private static String backfillOutput(FeatureView view, Backfill.Result r) {
    String table = OfflineTables.identifier(view).toString();
    return r.snapshotId() == null ? table : table + "@" + r.snapshotId();
  }

  private static Map<String, Object> runDetails(Backfill.Result r, Map<String, Object> warned) {
    Map<String, Object> d = planDetails(r.plan());
    // a run does not estimate: its plan's counts are zeros, so report what it wrote
    d.keySet()
        .removeAll(
            List.of(
                "records_to_read",
                "bytes",
                "files",
                "partitions",
                "table_records_to_read",
                "estimated_seconds"));
    d.put("rows", r.rows());
    d.put("skipped", r.skipped());
    d.put("snapshot_id", r.snapshotId());
    d.put("tag", r.tag());
    d.put("seconds", r.seconds());
    d.put("events_per_second", r.seconds() > 0 ? r.rows() / r.seconds() : 0);
    d.put("online_rows", r.onlineRows());
    d.putAll(warned);
    d.values().removeIf(v -> v == null);
    return d;
  }

  private static Map<String, Object> planDetails(Backfill.Plan p) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("backfill_id", p.backfillId());
    d.put("table", p.table());
    d.put("source", p.source());
    d.put("from", p.from().toString());
    d.put("to", p.to().toString());
    if (!p.readFrom().equals(p.from()) || !p.readTo().equals(p.to())) {
      // --online: the tiles at the range's edges are recomputed whole, from the history of the
      // enclosing coarsest tiles (backfills.md, "Online")
      d.put("online_read_from", p.readFrom().toString());
      d.put("online_read_to", p.readTo().toString());
    }
    // the estimate's parts: the history records read (of the files the range's scan keeps), the
    // offline table's rows in the range (read to append only what it lacks), the rows to append
    d.put("records_to_read", p.recordsToRead());
    d.put("rows", p.rows());
    d.put("skipped", p.skipped());
    d.put("bytes", p.bytes());
    d.put("files", p.files());
    d.put("partitions", p.partitions());
    d.put("table_records_to_read", p.tableRecordsToRead());
    d.put("estimated_seconds", p.estimatedSeconds());
    return d;
  }

  private void audit(BackfillRequest req, FeatureView view, Backfill.Result r, String state) {
    // built by Jackson: a source path with a backslash or a quote stays valid JSON
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("backfill_id", r.plan().backfillId());
    d.put("state", state);
    d.put("snapshot_id", r.snapshotId());
    d.put("tag", r.tag());
    d.put("source", r.plan().source());
    d.put("from", req.from().toString());
    d.put("to", req.to().toString());
    d.put("rows", r.rows());
    d.put("skipped", r.skipped());
    d.put("online", req.online());
    String detail;
    try {
      detail = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(d);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    try {
      registry.recordAudit(
          new AuditEntry(
              Instant.now(),
              req.actor(),
              "backfill",
              "feature_view",
              view.namespace(),
              view.name(),
              view.version().toString(),
              detail));
    } catch (UnsupportedOperationException e) {
      // the snapshot summary still carries the backfill id, range and source
      LOG.warn(
          "registry keeps no external audit log; backfill recorded in Iceberg only: {}", detail);
    }
  }

  private String submit(Job job, ThrowingRunnable work) {
    jobs.put(job.id, job);
    // the future is the job's before it can run: cancel() of a RUNNING job always finds it
    java.util.concurrent.FutureTask<Void> task =
        new java.util.concurrent.FutureTask<>(
            () -> {
              synchronized (job) {
                if (job.cancelRequested) {
                  return; // cancelled while queued: cancel() finished it
                }
                job.state = JobStatus.State.RUNNING;
              }
              try {
                work.run();
                job.progress = 1.0;
                job.state = JobStatus.State.SUCCEEDED;
              } catch (Exception | Error e) {
                if (job.cancelRequested) {
                  // the interrupt of cancel(): the Flink job was cancelled and an export's parts
                  // deleted on the way out (PointInTimeJoin); not a failure
                  LOG.info("offline job {} ({}) cancelled", job.id, job.kind);
                  job.state = JobStatus.State.CANCELLED;
                  return;
                }
                job.error = e.getMessage() == null ? e.toString() : e.getMessage();
                // one line naming the failure (the job status carries it too); bad input (a
                // missing table or column, an unreachable source) needs no trace, an unexpected
                // failure's trace goes at INFO: bin/quiver's log file, not the terminal, where the
                // CLI prints the error itself
                LOG.warn("offline job {} ({}) failed: {}", job.id, job.kind, job.error);
                if (!(e instanceof IllegalArgumentException)) {
                  LOG.info("offline job {} ({}) failed; the trace:", job.id, job.kind, e);
                }
                job.state = JobStatus.State.FAILED; // after the log: a poller sees both
              } finally {
                if (job.finishedAt == null) {
                  job.finishedAt = Instant.now();
                }
                job.finished.countDown();
              }
            },
            null);
    job.future = task;
    executor.execute(task);
    return job.id;
  }

  @Override
  public dev.quiver.core.offline.SnapshotExpiry expireSnapshots(
      String view, java.time.Duration olderThan, Integer retainLast, boolean dryRun) {
    java.time.Duration age =
        olderThan == null ? config.get(OfflineOptions.SNAPSHOTS_MAX_AGE) : olderThan;
    int keep = retainLast == null ? config.get(OfflineOptions.SNAPSHOTS_RETAIN_LAST) : retainLast;
    return SnapshotRetention.expireOlderThan(catalog, view, age, keep, dryRun);
  }

  @Override
  public JobStatus cancel(String jobId) {
    Job job = jobs.get(jobId);
    if (job == null) {
      throw new NoSuchElementException("job '" + jobId + "' does not exist");
    }
    synchronized (job) {
      if (job.state.isFinal()) {
        throw new IllegalStateException(
            "job '" + jobId + "' already " + job.state + " (only a QUEUED or RUNNING job cancels)");
      }
      job.cancelRequested = true;
      if (job.state == JobStatus.State.QUEUED) {
        job.state = JobStatus.State.CANCELLED;
        job.finishedAt = Instant.now();
        job.finished.countDown();
        return job.snapshot();
      }
    }
    job.future.cancel(true); // interrupts the job thread: the Flink job is cancelled (FlinkBatch)
    try {
      job.finished.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return job.snapshot();
  }

  @Override
  public JobStatus status(String jobId) {
    Job j = jobs.get(jobId);
    if (j == null) {
      throw new NoSuchElementException("job '" + jobId + "' does not exist");
    }
    return j.snapshot();
  }

  @Override
  public List<JobStatus> jobs() {
    return jobs.values().stream()
        .map(Job::snapshot)
        .sorted(Comparator.comparing(JobStatus::submittedAt).reversed())
        .toList();
  }

  @Override
  public void close() {
    java.util.concurrent.Future<?> w = warmingUp;
    if (w != null) {
      w.cancel(true); // a warm-up still running stops its Flink job (PointInTimeJoin)
    }
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (catalog instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing
      }
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
