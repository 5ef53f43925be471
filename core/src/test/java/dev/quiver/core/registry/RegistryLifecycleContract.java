package dev.quiver.core.registry;

import static dev.quiver.core.registry.RegistryFixtures.NS;
import static dev.quiver.core.registry.RegistryFixtures.VIEW;
import static dev.quiver.core.registry.RegistryFixtures.plus;
import static dev.quiver.core.registry.RegistryFixtures.rowFeature;
import static dev.quiver.core.registry.RegistryFixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.FeatureRegistry.Precondition;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lifecycle, audit, lineage, shared objects and preconditions. */
abstract class RegistryLifecycleContract extends RegistryContract {
  static final Instant SUNSET = Instant.parse("2026-12-31T00:00:00Z");

  @Test
  void deprecationWarnsReadersThenRetirementMakesTheVersionGone() {
    applyOne(view(3));
    applyOne(view(3, b -> b.features(plus(rowFeature("user_country", FeatureType.STRING)))));

    ViewRecord deprecated =
        registry.setStatus(NS, VIEW, "v3", ViewStatus.DEPRECATED, SUNSET, "owner@example.com");
    assertThat(deprecated.view().status()).isEqualTo(ViewStatus.DEPRECATED);
    assertThat(deprecated.sunsetAt()).isEqualTo(SUNSET);
    assertThat(deprecated.warnings())
        .containsExactly(
            "user_activity_metrics:v3 is DEPRECATED, sunset 2026-12-31; no ACTIVE successor yet");
    ApplyResult again =
        apply(view(3, b -> b.features(plus(rowFeature("user_country", FeatureType.STRING)))));
    assertThat(again.changes()).extracting(ChangePlan::action).containsExactly("UNCHANGED");
    assertThat(again.warnings())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.path()).isEqualTo("status");
              assertThat(w.message())
                  .isEqualTo(
                      "user_activity_metrics: status ACTIVE is not applied to"
                          + " the existing v3, which is DEPRECATED");
            });
    // A compatible revision of a deprecated major stays deprecated, sunset included.
    ChangePlan rev =
        applyOne(
            view(
                3,
                b ->
                    b.features(plus(rowFeature("user_country", FeatureType.STRING)))
                        .owner("late@example.com")));
    assertThat(rev.toVersion()).isEqualTo("v3.2");
    assertThat(registry.getView(NS, VIEW, "v3").sunsetAt()).isEqualTo(SUNSET);
    RegistryException noLatest =
        registryError(Kind.NOT_FOUND, () -> registry.getView(NS, VIEW, null));
    assertThat(noLatest.getMessage()).contains("v3 DEPRECATED, v3.1 DEPRECATED, v3.2 DEPRECATED");
    // a read (a lookup's, an export's, a backfill's 'latest') answers from the newest DEPRECATED
    // version, with its warning; a pinned reference never moves
    ViewRecord read = registry.viewForRead(NS, VIEW, "latest");
    assertThat(read.version().toString()).isEqualTo("v3.2");
    assertThat(read.warnings())
        .containsExactly(
            "user_activity_metrics:v3 is DEPRECATED, sunset 2026-12-31; no ACTIVE successor yet");
    assertThat(registry.viewForRead(NS, VIEW, null).version().toString()).isEqualTo("v3.2");
    registryError(Kind.NOT_FOUND, () -> registry.viewForRead(NS, VIEW, "v9"));

    applyOne(view(4));
    String warning = "user_activity_metrics:v3 is DEPRECATED, sunset 2026-12-31; move to v4";
    assertThat(registry.getView(NS, VIEW, "v3").warnings()).containsExactly(warning);
    assertThat(registry.getView(NS, VIEW, "v3.0").warnings()).containsExactly(warning);
    assertThat(registry.getView(NS, VIEW, "v3.0").view().status()).isEqualTo(ViewStatus.DEPRECATED);
    assertThat(registry.getView(NS, VIEW, "latest").warnings()).isEmpty();
    assertThat(registry.getView(NS, VIEW, "latest").version().toString()).isEqualTo("v4");

    RegistryException illegal =
        registryError(
            Kind.INVALID, () -> registry.setStatus(NS, VIEW, "v4", ViewStatus.RETIRED, null, "x"));
    assertThat(illegal.getMessage())
        .isEqualTo(
            "status: cannot move user_activity_metrics:v4"
                + " from ACTIVE to RETIRED (allowed from ACTIVE: DEPRECATED)");

    registry.setStatus(NS, VIEW, "v3", ViewStatus.RETIRED, null, "owner@example.com");
    RegistryException gone = registryError(Kind.GONE, () -> registry.getView(NS, VIEW, "v3"));
    assertThat(gone.getMessage())
        .isEqualTo("user_activity_metrics:v3.2 is RETIRED; move to user_activity_metrics:v4");
    registryError(Kind.GONE, () -> registry.getView(NS, VIEW, "v3.1"));
    RegistryException fin =
        registryError(
            Kind.INVALID, () -> registry.setStatus(NS, VIEW, "v3", ViewStatus.ACTIVE, null, "x"));
    assertThat(fin.getMessage()).contains("allowed from RETIRED: none, it is final");
    registryError(Kind.INVALID, () -> apply(view(3, b -> b.owner("again@example.com"))));
    assertThat(registry.versions(NS, VIEW))
        .extracting(r -> r.view().status())
        .containsExactly(
            ViewStatus.RETIRED, ViewStatus.RETIRED, ViewStatus.RETIRED, ViewStatus.ACTIVE);

    List<AuditEntry> statusAudits =
        registry.audit(NS, VIEW, 100).stream().filter(a -> a.action().equals("STATUS")).toList();
    assertThat(statusAudits).hasSize(2);
    assertThat(statusAudits.get(0).detail()).contains("\"to\":\"RETIRED\"");
    assertThat(statusAudits.get(1).detail()).contains("\"sunset\":\"2026-12-31T00:00:00Z\"");
    assertThat(statusAudits.get(1).actor()).isEqualTo("owner@example.com");
  }

  @Test
  void auditRecordsWhoWhenAndTheDiff() throws Exception {
    Instant before = Instant.now().minusSeconds(1);
    applyOne(view(1));
    registry.apply(
        SpecBundle.ofViews(
            view(1, b -> b.features(plus(rowFeature("user_country", FeatureType.STRING))))),
        "b.chen@example.com",
        false);
    List<AuditEntry> audit = registry.audit(NS, VIEW, 10);
    assertThat(audit).extracting(AuditEntry::action).containsExactly("UPDATE", "CREATE");
    AuditEntry update = audit.get(0);
    assertThat(update.actor()).isEqualTo("b.chen@example.com");
    assertThat(update.objectKind()).isEqualTo("feature_view");
    assertThat(update.version()).isEqualTo("v1.1");
    assertThat(update.at()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
    JsonNode detail = SpecJson.MAPPER.readTree(update.detail());
    assertThat(detail.get("from").asText()).isEqualTo("v1");
    assertThat(detail.get("changes").get(0).get("path").asText())
        .isEqualTo("features[user_country]");
    assertThat(detail.get("changes").get(0).get("compatibility").asText()).isEqualTo("COMPATIBLE");
    assertThat(registry.audit(null, null, 1)).hasSize(1);
    // The implicit entity 'user' was registered and audited too.
    assertThat(registry.audit(NS, "user", 10))
        .extracting(AuditEntry::objectKind)
        .containsExactly("entity");
  }

  @Test
  void entitiesSourcesAndServicesWithLineage() {
    Entity user =
        new Entity(
            NS,
            "user",
            List.of(new JoinKey("user_id", FeatureType.STRING)),
            "a customer",
            "a.patel@example.com");
    FeatureService fraud =
        new FeatureService(
            NS,
            "fraud_model",
            List.of(
                FeatureRef.parse("user_activity_metrics:v1.user_7d_txn_count"),
                FeatureRef.parse("user_total_spend_usd")),
            "ml@example.com",
            "fraud scoring",
            Map.of());
    ApplyResult r =
        registry.apply(
            new SpecBundle(
                List.of(user),
                List.of(RegistryFixtures.transactions()),
                List.of(view(1)),
                List.of(fraud)),
            "t",
            false);
    assertThat(r.changes())
        .extracting(ChangePlan::kind, ChangePlan::action)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("entity", "CREATE"),
            org.assertj.core.groups.Tuple.tuple("source", "CREATE"),
            org.assertj.core.groups.Tuple.tuple("feature_view", "CREATE"),
            org.assertj.core.groups.Tuple.tuple("feature_service", "CREATE"));
    assertThat(registry.getEntity(NS, "user")).contains(user);
    assertThat(registry.listEntities(NS)).containsExactly(user);
    assertThat(registry.getSource(NS, "transactions")).contains(RegistryFixtures.transactions());
    FeatureService stored = registry.getService(NS, "fraud_model").orElseThrow();
    assertThat(stored.features().get(1).view()).isEqualTo(VIEW);
    assertThat(registry.listServices(null)).containsExactly(stored);

    FeatureRegistry.Lineage lineage = registry.lineage(NS, VIEW);
    assertThat(lineage.upstreamSources()).containsExactly("default.transactions");
    assertThat(lineage.downstreamConsumers()).containsExactly("default.fraud_model");
    registryError(Kind.NOT_FOUND, () -> registry.lineage(NS, "nope"));

    RegistryException badView =
        registryError(
            Kind.INVALID,
            () -> applyService(registry, "s2", "user_activity_metric.user_7d_txn_count"));
    assertThat(badView.getMessage())
        .contains("unknown view 'user_activity_metric'")
        .contains("did you mean user_activity_metrics?");
    assertThat(badView.field()).isEqualTo("features[0]");
    RegistryException badFeature =
        registryError(
            Kind.INVALID,
            () -> applyService(registry, "s3", "user_activity_metrics:v1.user_7d_txn_cnt"));
    assertThat(badFeature.getMessage())
        .startsWith("unknown feature 'user_7d_txn_cnt' in view" + " user_activity_metrics:v1")
        .endsWith("did you mean user_7d_txn_count?");
    registryError(
        Kind.INVALID,
        () -> applyService(registry, "s4", "user_activity_metrics:v9.user_7d_txn_count"));
    assertThat(registry.getService(NS, "s2")).isEmpty();
    // several bad references: all of them in one refusal, the field is the first one's
    RegistryException several =
        registryError(
            Kind.INVALID,
            () ->
                registry.apply(
                    new SpecBundle(
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(
                            new FeatureService(
                                NS,
                                "s5",
                                List.of(
                                    FeatureRef.parse("user_activity_metrics.user_7d_txn_count"),
                                    FeatureRef.parse("user_activity_metric.user_7d_txn_count"),
                                    FeatureRef.parse("user_activity_metrics:v9.user_7d_txn_count"),
                                    FeatureRef.parse("user_activity_metrics.user_7d_txn_cnt")),
                                "",
                                "",
                                Map.of()))),
                    "t",
                    false));
    assertThat(several.getMessage())
        .startsWith("feature service s5: 3 references cannot be resolved:")
        .contains("features[1] 'user_activity_metric.user_7d_txn_count': unknown view")
        .contains("features[2]")
        .contains("unknown feature 'user_7d_txn_cnt'");
    assertThat(several.field()).isEqualTo("features[1]");

    // Changing the keys of an entity that views use would change their join keys: refused.
    Entity rekeyed =
        new Entity(
            NS,
            "user",
            List.of(new JoinKey("user_id", FeatureType.INT64)),
            "a customer",
            "a.patel@example.com");
    RegistryException keys =
        registryError(
            Kind.BREAKING_CHANGE,
            () ->
                registry.apply(
                    new SpecBundle(List.of(rekeyed), List.of(), List.of(), List.of()), "t", false));
    assertThat(keys.getMessage())
        .contains("[user_id STRING] -> [user_id INT64]")
        .contains("[user_activity_metrics]")
        .contains("declare a new entity");
  }

  @Test
  void stalePreconditionIsAConflictAndWritesNothing() {
    applyOne(view(1));
    FeatureView next = view(1, b -> b.features(plus(rowFeature("a", FeatureType.BOOL))));
    ApplyResult ok =
        registry.apply(
            SpecBundle.ofViews(next), "t", false, List.of(new Precondition(NS, VIEW, "v1")));
    assertThat(ok.changes().get(0).toVersion()).isEqualTo("v1.1");
    FeatureView later =
        view(1, b -> b.features(plus(rowFeature("a", FeatureType.BOOL))).owner("z@example.com"));
    RegistryException stale =
        registryError(
            Kind.CONFLICT,
            () ->
                registry.apply(
                    SpecBundle.ofViews(later),
                    "t",
                    false,
                    List.of(new Precondition(NS, VIEW, "v1"))));
    assertThat(stale.getMessage()).contains("expected head v1 but it is v1.1");
    registryError(
        Kind.CONFLICT,
        () ->
            registry.apply(
                SpecBundle.ofViews(later), "t", false, List.of(new Precondition(NS, VIEW, null))));
    assertThat(registry.versions(NS, VIEW)).hasSize(2);
    assertThat(
            registry
                .apply(
                    SpecBundle.ofViews(view("fresh", 1, b -> {})),
                    "t",
                    false,
                    List.of(new Precondition(NS, "fresh", null)))
                .changes()
                .get(0)
                .action())
        .isEqualTo("CREATE");
  }

  /**
   * Applies a bundle of one feature service {@code name} that reads the one feature {@code ref}.
   */
  private static ApplyResult applyService(FeatureRegistry registry, String name, String ref) {
    return registry.apply(
        new SpecBundle(
            List.of(),
            List.of(),
            List.of(),
            List.of(
                new FeatureService(NS, name, List.of(FeatureRef.parse(ref)), "", "", Map.of()))),
        "t",
        false);
  }
}
