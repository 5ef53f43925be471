package dev.quiver.cli;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.offline.FlinkOfflineService;
import java.util.List;

/**
 * The launcher's offline service: the Flink service over the configured registry, closing both.
 * Backfills run the streaming job's SQL (quiver-jobs' planner); with {@code --online} they write
 * the configured online store ({@code online.*}) through its SPI, throttled.
 */
final class FlinkOfflineServices implements OfflineService {
  private final FeatureRegistry registry;
  private final FlinkOfflineService service;

  FlinkOfflineServices(QuiverConfig config) {
    this.registry = FeatureRegistries.open(config);
    this.service = new FlinkOfflineService(config, registry);
  }

  @Override
  public String submitExport(ExportRequest request) {
    return service.submitExport(request);
  }

  @Override
  public String submitBackfill(BackfillRequest request) {
    return service.submitBackfill(request);
  }

  @Override
  public void warmUp() {
    service.warmUp();
  }

  @Override
  public JobStatus status(String jobId) {
    return service.status(jobId);
  }

  @Override
  public JobStatus cancel(String jobId) {
    return service.cancel(jobId);
  }

  @Override
  public dev.quiver.core.offline.SnapshotExpiry expireSnapshots(
      String view, java.time.Duration olderThan, Integer retainLast, boolean dryRun) {
    return service.expireSnapshots(view, olderThan, retainLast, dryRun);
  }

  @Override
  public List<JobStatus> jobs() {
    return service.jobs();
  }

  @Override
  public void close() {
    service.close();
    registry.close();
  }
}
