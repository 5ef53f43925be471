package dev.quiver.core.registry;

import static dev.quiver.core.registry.RegistryFixtures.NS;
import static dev.quiver.core.registry.RegistryFixtures.VIEW;
import static dev.quiver.core.registry.RegistryFixtures.plus;
import static dev.quiver.core.registry.RegistryFixtures.rowFeature;
import static dev.quiver.core.registry.RegistryFixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.ViewStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Parallel appliers on one database, each through its own registry instance (own connection pool),
 * as separate processes would be: no update is ever lost or overwritten.
 */
abstract class RegistryConcurrencyContract extends RegistryLifecycleContract {
  static final int WRITERS = 8;
  static final int APPLIES_PER_WRITER = 5;

  @Test
  void parallelCompatibleAppliesEachBecomeTheirOwnRevision() throws Exception {
    applyOne(view(1));
    List<FeatureRegistry> writers = IntStream.range(0, WRITERS).mapToObj(i -> open()).toList();
    Map<String, String> landed = new ConcurrentHashMap<>(); // version -> description applied
    List<RegistryException> refused = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < APPLIES_PER_WRITER; i++) {
                    String description = "writer " + writer + " apply " + i;
                    FeatureView spec =
                        view(
                            1,
                            b ->
                                b.description(description)
                                    .tags(Map.of("domain", "payments", "writer", writer + "-")));
                    try {
                      ApplyResult r =
                          writers.get(writer).apply(SpecBundle.ofViews(spec), "w" + writer, false);
                      ChangePlan p = r.changes().get(0);
                      assertThat(p.action()).isEqualTo("UPDATE");
                      assertThat(landed.put(p.toVersion(), description)).as(p.toVersion()).isNull();
                    } catch (RegistryException e) {
                      refused.add(e);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // Every refusal (if any) is an explicit CONFLICT after the retry budget; none are silent.
    assertThat(refused).allMatch(e -> e.kind() == Kind.CONFLICT);
    assertThat(landed.size() + refused.size()).isEqualTo(WRITERS * APPLIES_PER_WRITER);
    assertThat(landed.size()).isGreaterThanOrEqualTo(WRITERS * APPLIES_PER_WRITER / 2);

    List<ViewRecord> versions = registry.versions(NS, VIEW);
    assertThat(versions).hasSize(1 + landed.size());
    // Revisions are unique and gap-free: v1, v1.1, ..., v1.N.
    for (int rev = 0; rev < versions.size(); rev++) {
      assertThat(versions.get(rev).version().revision()).isEqualTo(rev);
    }
    // Each revision holds exactly the spec whose apply reported it.
    Map<String, String> stored = new HashMap<>();
    versions.stream()
        .skip(1)
        .forEach(r -> stored.put(r.version().toString(), r.view().description()));
    assertThat(stored).isEqualTo(landed);
    assertThat(registry.audit(NS, VIEW, 10_000)).hasSize(1 + landed.size());
  }

  @Test
  void anotherInstanceSeesEveryChangeAtOnce() {
    FeatureRegistry other = open();
    applyOne(view(1));
    assertThat(other.getView(NS, VIEW, null).view().status()).isEqualTo(ViewStatus.ACTIVE);
    assertThat(other.listViews(ViewQuery.all())).hasSize(1);
    registry.setStatus(NS, VIEW, "v1", ViewStatus.DEPRECATED, null, "t");
    applyOne(view(1, b -> b.owner("new@example.com")));
    assertThat(other.getView(NS, VIEW, "v1").version().toString()).isEqualTo("v1.1");
    assertThat(other.getView(NS, VIEW, "v1.0").view().status()).isEqualTo(ViewStatus.DEPRECATED);
    assertThat(other.listViews(ViewQuery.all()).get(0).warnings()).isNotEmpty();
    registry.setStatus(NS, VIEW, "v1", ViewStatus.RETIRED, null, "t");
    assertThat(other.listViews(ViewQuery.all())).isEmpty();
    registryError(Kind.GONE, () -> other.getView(NS, VIEW, "v1.0"));
  }

  @Test
  void parallelConflictingAppliesAreRefusedAsBreakingNotOverwritten() throws Exception {
    applyOne(view(1));
    int writers = 6;
    List<FeatureRegistry> regs = IntStream.range(0, writers).mapToObj(i -> open()).toList();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<Object>> results = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        // Each writer adds its own feature to v1: whichever lands first makes the others'
        // specs drop a feature that now exists, which is breaking.
        FeatureView spec =
            view(1, b -> b.features(plus(rowFeature("feature_of_" + writer, FeatureType.INT64))));
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    return regs.get(writer).apply(SpecBundle.ofViews(spec), "w", false);
                  } catch (RegistryException e) {
                    return e;
                  }
                }));
      }
      start.countDown();
      List<ApplyResult> accepted = new ArrayList<>();
      List<RegistryException> refused = new ArrayList<>();
      for (Future<Object> f : results) {
        Object o = f.get(60, TimeUnit.SECONDS);
        if (o instanceof ApplyResult r) {
          accepted.add(r);
        } else {
          refused.add((RegistryException) o);
        }
      }
      assertThat(accepted).hasSize(1);
      assertThat(refused).hasSize(writers - 1).allMatch(e -> e.kind() == Kind.BREAKING_CHANGE);
      String winner = accepted.get(0).changes().get(0).diffs().get(0).path();
      ViewRecord latest = registry.getView(NS, VIEW, "v1");
      assertThat(latest.version().toString()).isEqualTo("v1.1");
      assertThat("features[" + latest.view().features().get(3).name() + "]").isEqualTo(winner);
      assertThat(refused)
          .allMatch(
              e ->
                  e.getMessage()
                      .contains("removed feature " + latest.view().features().get(3).name()));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Processes that open a fresh database at the same moment (e.g. {@code quiver local} starting
   * while {@code quiver apply} runs on the same data directory, first start) all get a migrated
   * registry: the schema is created once, and nobody fails on "table already exists" (seen as a
   * flaky {@code QuiverCliITCase}).
   */
  @Test
  void openersOfAFreshDatabaseAtTheSameMomentMigrateItOnce() throws Exception {
    // the window is short (between one opener creating Flyway's history table and committing
    // the schema): several rounds make a miss unlikely before the fix
    for (int round = 0; round < 3; round++) {
      openAFreshDatabaseAtOnce(freshDatabase());
    }
  }

  private void openAFreshDatabaseAtOnce(QuiverConfig fresh) throws Exception {
    int openers = WRITERS;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(openers);
    ExecutorService pool = Executors.newFixedThreadPool(openers);
    List<FeatureRegistry> registries = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < openers; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  registries.add(FeatureRegistries.open(fresh));
                  return null;
                }));
      }
      List<String> failures = new ArrayList<>();
      for (Future<?> f : futures) {
        try {
          f.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(String.valueOf(e.getCause()));
        }
      }
      assertThat(failures).as("openers that failed").isEmpty();
      assertThat(registries).hasSize(openers);
      registries.get(0).apply(SpecBundle.ofViews(view(1)), "tester", false);
      assertThat(registries.get(openers - 1).getView(NS, VIEW, null).version().toString())
          .isEqualTo("v1");
    } finally {
      pool.shutdownNow();
      registries.forEach(FeatureRegistry::close);
    }
  }
}
