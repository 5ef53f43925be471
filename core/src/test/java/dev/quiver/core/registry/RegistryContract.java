package dev.quiver.core.registry;

import static dev.quiver.core.registry.RegistryFixtures.NS;
import static dev.quiver.core.registry.RegistryFixtures.VIEW;
import static dev.quiver.core.registry.RegistryFixtures.plus;
import static dev.quiver.core.registry.RegistryFixtures.rowFeature;
import static dev.quiver.core.registry.RegistryFixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Versioning, pinning and reads: the part of the contract every registry store must pass. */
abstract class RegistryContract extends RegistryContractSupport {

  @Test
  void createsThenReadsTheViewBackExactly() {
    FeatureView v3 = view(3);
    ChangePlan plan = applyOne(v3);
    assertThat(plan.action()).isEqualTo("CREATE");
    assertThat(plan.toVersion()).isEqualTo("v3");

    ViewRecord latest = registry.getView(NS, VIEW, null);
    assertThat(latest.view()).isEqualTo(v3);
    assertThat(latest.createdBy()).isEqualTo("tester");
    assertThat(latest.warnings()).isEmpty();
    assertThat(registry.getView(NS, VIEW, "latest").id()).isEqualTo(latest.id());
    assertThat(registry.getView(NS, VIEW, "v3").id()).isEqualTo(latest.id());
    assertThat(registry.getView(NS, VIEW, "v3.0").id()).isEqualTo(latest.id());
    assertThat(registry.listNamespaces()).containsExactly(NS);
    assertThat(registry.headVersion(NS, VIEW)).contains("v3");
  }

  /**
   * A backfill's audit entry (FlinkOfflineService records one per backfill) lands in the store's
   * audit log beside the registry's own entries. QA pass, session 11: neither the embedded nor the
   * PostgreSQL registry implemented it, so every real backfill logged "registry keeps no external
   * audit log" and left no audit record.
   */
  @Test
  void externalAuditEntriesAreRecorded() {
    applyOne(view(1));
    int audits = registry.audit(NS, VIEW, 100).size();
    AuditEntry backfill =
        new AuditEntry(
            java.time.Instant.parse("2030-01-01T00:00:00Z"),
            "qa",
            "backfill",
            "feature_view",
            NS,
            VIEW,
            "v1",
            "{\"backfill_id\":\"b-1\",\"rows\":3}");
    registry.recordAudit(backfill);
    List<AuditEntry> after = registry.audit(NS, VIEW, 100);
    assertThat(after).hasSize(audits + 1);
    AuditEntry newest = after.get(0);
    assertThat(newest.action()).isEqualTo("backfill");
    assertThat(newest.actor()).isEqualTo("qa");
    assertThat(newest.version()).isEqualTo("v1");
    assertThat(newest.at()).isEqualTo(backfill.at());
    assertThat(newest.detail()).contains("\"backfill_id\"", "\"b-1\"");
  }

  @Test
  void reapplyingTheSameSpecIsANoOp() {
    applyOne(view(1));
    int audits = registry.audit(NS, VIEW, 100).size();
    ChangePlan again = applyOne(view(1));
    assertThat(again.action()).isEqualTo("UNCHANGED");
    assertThat(again.fromVersion()).isEqualTo("v1");
    assertThat(registry.versions(NS, VIEW)).hasSize(1);
    assertThat(registry.audit(NS, VIEW, 100)).hasSize(audits);
  }

  @Test
  void compatibleChangesBecomeRevisionsAndVMajorFollowsThem() {
    applyOne(view(3));
    ChangePlan add =
        applyOne(view(3, b -> b.features(plus(rowFeature("user_country", FeatureType.STRING)))));
    assertThat(add.action()).isEqualTo("UPDATE");
    assertThat(add.fromVersion()).isEqualTo("v3");
    assertThat(add.toVersion()).isEqualTo("v3.1");
    assertThat(add.diffs())
        .extracting(ApplyResult.Change::path, ApplyResult.Change::compatibility)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "features[user_country]", Compatibility.COMPATIBLE));

    ChangePlan owner =
        applyOne(
            view(
                3,
                b ->
                    b.features(plus(rowFeature("user_country", FeatureType.STRING)))
                        .owner("risk-team@example.com")
                        .tags(Map.of("domain", "risk"))
                        .slaFreshness(Duration.ofSeconds(30))
                        .description("moved to risk")));
    assertThat(owner.toVersion()).isEqualTo("v3.2");
    assertThat(owner.diffs()).allMatch(c -> c.compatibility() == Compatibility.COMPATIBLE);
    assertThat(owner.diffs())
        .extracting(ApplyResult.Change::path)
        .contains("owner", "tags.domain", "tags.pii", "sla_freshness", "description");

    assertThat(registry.getView(NS, VIEW, "v3").version().toString()).isEqualTo("v3.2");
    assertThat(registry.getView(NS, VIEW, "v3.1").view().owner()).isEqualTo("a.patel@example.com");
    assertThat(registry.versions(NS, VIEW))
        .extracting(r -> r.version().toString())
        .containsExactly("v3", "v3.1", "v3.2");
  }

  @Test
  void breakingChangeUnderTheSameMajorIsRefusedWithTheFix() {
    applyOne(view(3));
    FeatureView broken =
        view(
            3,
            b ->
                b.features(
                    List.of(
                        RegistryFixtures.count7d(),
                        new Feature(
                            "user_total_spend_usd",
                            FeatureType.INT64,
                            "",
                            null,
                            RegistryFixtures.spend30d().aggregation(),
                            Map.of()))));
    RegistryException e = registryError(Kind.BREAKING_CHANGE, () -> apply(broken));
    assertThat(e.getMessage())
        .contains("features[user_last_merchant]: removed feature user_last_merchant STRING")
        .contains(
            "features[user_total_spend_usd].dtype: retyped feature user_total_spend_usd"
                + " FLOAT64 -> INT64")
        .contains(
            "bump version to v4 to publish it as a new major; consumers pinned to v3 keep v3");
    assertThat(e.field()).isEqualTo("features[user_total_spend_usd].dtype");
    assertThat(registry.versions(NS, VIEW)).hasSize(1);
    assertThat(registry.audit(NS, VIEW, 100)).hasSize(1);
  }

  @Test
  void eachBreakingKindIsRefusedByTheStore() {
    applyOne(view(1));
    Map<String, FeatureView> breaking = new LinkedHashMap<>();
    breaking.put("entities", view(1, b -> b.entities(List.of("account"))));
    breaking.put(
        "transformations[0].code",
        view(
            1,
            b ->
                b.transformations(
                    List.of(
                        new Transformation("flink", "SELECT user_id, amount FROM transactions")))));
    breaking.put("tile_size", view(1, b -> b.tileSize(Duration.ofMinutes(1))));
    breaking.put("ttl", view(1, b -> b.ttl(Duration.ofDays(1))));
    for (Map.Entry<String, FeatureView> e : breaking.entrySet()) {
      RegistryException ex = registryError(Kind.BREAKING_CHANGE, () -> apply(e.getValue()));
      assertThat(ex.field()).as(ex.getMessage()).isEqualTo(e.getKey());
    }
    // Whitespace in the transformation is not a semantic change: a compatible revision.
    ChangePlan reformatted =
        applyOne(
            view(
                1,
                b ->
                    b.transformations(
                        List.of(
                            new Transformation(
                                "flink",
                                "SELECT  user_id,\n  merchant, amount,\tevent_time\nFROM transactions ")))));
    assertThat(reformatted.action()).isEqualTo("UPDATE");
    assertThat(reformatted.diffs())
        .singleElement()
        .satisfies(c -> assertThat(c.compatibility()).isEqualTo(Compatibility.COMPATIBLE));
    assertThat(registry.versions(NS, VIEW)).hasSize(2);
  }

  @Test
  void pinnedConsumerSeesAnUnchangedSchemaAcrossRevisionsAndANewMajor() {
    applyOne(view(3));
    Map<String, FeatureType> pinnedSchema = schema(registry.getView(NS, VIEW, "v3"));
    ViewRecord pinnedExact = registry.getView(NS, VIEW, "v3.0");

    applyOne(view(3, b -> b.features(plus(rowFeature("user_country", FeatureType.STRING)))));
    applyOne(
        view(
            3,
            b ->
                b.features(plus(rowFeature("user_country", FeatureType.STRING)))
                    .owner("someone-else@example.com")));
    // The breaking change is published as v4: spend becomes an INT64 cents amount, merchant goes.
    FeatureView v4 =
        view(
            4,
            b ->
                b.features(
                    List.of(
                        RegistryFixtures.count7d(),
                        rowFeature("user_total_spend_usd", FeatureType.INT64))));
    assertThat(applyOne(v4).action()).isEqualTo("NEW_MAJOR");

    ViewRecord pinned = registry.getView(NS, VIEW, "v3");
    assertThat(pinned.version().toString()).isEqualTo("v3.2");
    assertThat(schema(pinned)).containsAllEntriesOf(pinnedSchema);
    assertThat(pinned.view().features().subList(0, 3)).isEqualTo(pinnedExact.view().features());
    assertThat(registry.getView(NS, VIEW, "v3.0")).isEqualTo(pinnedExact);
    ViewRecord latest = registry.getView(NS, VIEW, null);
    assertThat(latest.version().toString()).isEqualTo("v4");
    assertThat(schema(latest))
        .containsExactly(
            Map.entry("user_7d_txn_count", FeatureType.INT64),
            Map.entry("user_total_spend_usd", FeatureType.INT64));
  }

  @Test
  void severalMajorsOfOneViewInOneApplyLandOldestFirst() {
    ApplyResult r = apply(view(4), view(3));
    assertThat(r.changes())
        .filteredOn(c -> c.kind().equals("feature_view"))
        .extracting(ChangePlan::action, ChangePlan::toVersion)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("CREATE", "v3"),
            org.assertj.core.groups.Tuple.tuple("NEW_MAJOR", "v4"));
    assertThat(apply(view(3), view(4)).changes())
        .filteredOn(c -> c.kind().equals("feature_view"))
        .extracting(ChangePlan::action)
        .containsExactly("UNCHANGED", "UNCHANGED");
    RegistryException twice =
        registryError(
            Kind.INVALID, () -> apply(view(4), view(4, b -> b.owner("other@example.com"))));
    assertThat(twice.getMessage()).contains("default.user_activity_metrics:v4 appears twice");
  }

  @Test
  void olderMajorIsRefusedUnlessUnchanged() {
    applyOne(view(3));
    applyOne(view(4));
    assertThat(applyOne(view(3)).action()).isEqualTo("UNCHANGED");
    RegistryException e =
        registryError(Kind.INVALID, () -> apply(view(3, b -> b.owner("x@example.com"))));
    assertThat(e.getMessage())
        .contains("v3 is older than the newest major v4")
        .contains("Publish the change as v5");
    assertThat(e.field()).isEqualTo("version");
    registryError(Kind.INVALID, () -> apply(view(2)));
  }

  @Test
  void notFoundMessagesListVersionsAndSuggestNames() {
    applyOne(view(1));
    applyOne(view(2));
    RegistryException v = registryError(Kind.NOT_FOUND, () -> registry.getView(NS, VIEW, "v7"));
    assertThat(v.getMessage())
        .isEqualTo("user_activity_metrics:v7 does not exist (versions: v1 ACTIVE, v2 ACTIVE)");
    registryError(Kind.NOT_FOUND, () -> registry.getView(NS, VIEW, "v1.4"));
    RegistryException n =
        registryError(Kind.NOT_FOUND, () -> registry.getView(NS, "user_activty_metrics", null));
    assertThat(n.getMessage()).contains("did you mean user_activity_metrics?");
    RegistryException bad = registryError(Kind.INVALID, () -> registry.getView(NS, VIEW, "3x"));
    assertThat(bad.getMessage()).contains("expected: latest, v<major> or v<major>.<rev>");
    assertThat(registry.findView(NS, VIEW, "v9")).isEmpty();
    assertThat(registry.findView(NS, VIEW, "v2")).isPresent();
  }

  @Test
  void latestSkipsDraftsAndSaysWhyWhenNothingIsActive() {
    applyOne(view(1, b -> b.status(ViewStatus.DRAFT)));
    RegistryException e = registryError(Kind.NOT_FOUND, () -> registry.getView(NS, VIEW, null));
    assertThat(e.getMessage())
        .contains("has no ACTIVE version")
        .contains("versions: v1 DRAFT")
        .contains("pin one, e.g. user_activity_metrics:v1");
    ViewRecord draft = registry.getView(NS, VIEW, "v1");
    assertThat(draft.view().status()).isEqualTo(ViewStatus.DRAFT);
    assertThat(draft.warnings()).singleElement().asString().contains("is DRAFT");
    registry.setStatus(NS, VIEW, "v1", ViewStatus.ACTIVE, null, "tester");
    assertThat(registry.getView(NS, VIEW, null).version().toString()).isEqualTo("v1");
  }

  @Test
  void listFiltersByOwnerTagStatusTextAndNamespace() {
    apply(
        view("user_activity_metrics", 1, b -> {}),
        view(
            "merchant_risk",
            2,
            b ->
                b.owner("risk@example.com")
                    .tags(Map.of("domain", "risk", "tier", "gold"))
                    .description("Merchant chargebacks")),
        view(
            "session_activity",
            1,
            b ->
                b.namespace("web")
                    .owner("web@example.com")
                    .tags(Map.of("domain", "web"))
                    .description("Clickstream sessions")
                    .features(List.of(rowFeature("session_clicks", FeatureType.INT64)))));
    applyOne(
        view(
            "merchant_risk",
            2,
            b ->
                b.owner("risk@example.com")
                    .tags(Map.of("domain", "risk", "tier", "gold"))
                    .description("Merchant chargebacks")
                    .features(plus(rowFeature("merchant_refunds", FeatureType.INT64)))));

    assertThat(names(ViewQuery.all()))
        .containsExactly("merchant_risk", "user_activity_metrics", "session_activity");
    assertThat(registry.listViews(ViewQuery.all()).get(0).version().toString()).isEqualTo("v2.1");
    assertThat(names(new ViewQuery(null, "RISK@example.com", null, null, null, 10)))
        .containsExactly("merchant_risk");
    assertThat(names(new ViewQuery(null, null, "domain=payments", null, null, 10)))
        .containsExactly("user_activity_metrics");
    assertThat(names(new ViewQuery(null, null, "tier", null, null, 10)))
        .containsExactly("merchant_risk");
    assertThat(names(new ViewQuery(null, null, null, null, "CLICKS", 10)))
        .containsExactly("session_activity");
    assertThat(names(new ViewQuery(null, null, null, null, "refunds", 10)))
        .containsExactly("merchant_risk");
    assertThat(names(new ViewQuery(null, null, null, null, "100%_sure", 10))).isEmpty();
    assertThat(names(new ViewQuery("web", null, null, null, null, 10)))
        .containsExactly("session_activity");
    assertThat(names(new ViewQuery(null, null, null, null, null, 1))).hasSize(1);

    registry.setStatus(NS, "merchant_risk", "v2", ViewStatus.DEPRECATED, null, "tester");
    assertThat(names(new ViewQuery(null, null, null, ViewStatus.DEPRECATED, null, 10)))
        .containsExactly("merchant_risk");
    assertThat(names(new ViewQuery(null, null, null, ViewStatus.ACTIVE, null, 10)))
        .containsExactly("user_activity_metrics", "session_activity");
    assertThat(
            registry
                .listViews(new ViewQuery(null, null, null, ViewStatus.DEPRECATED, null, 10))
                .get(0)
                .warnings())
        .singleElement()
        .asString()
        .isEqualTo("merchant_risk:v2 is DEPRECATED; no ACTIVE successor yet");
  }

  @Test
  void dryRunPlansExactlyButWritesNothing() {
    applyOne(view(1));
    int audits = registry.audit(null, null, 1000).size();
    FeatureView next = view(1, b -> b.features(plus(rowFeature("x", FeatureType.BOOL))));
    ApplyResult dry =
        registry.apply(SpecBundle.ofViews(next, view("other_view", 1, b -> {})), "tester", true);
    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.changes())
        .extracting(ChangePlan::name, ChangePlan::action, ChangePlan::toVersion)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("other_view", "CREATE", "v1"),
            org.assertj.core.groups.Tuple.tuple(VIEW, "UPDATE", "v1.1"));
    assertThat(registry.versions(NS, VIEW)).hasSize(1);
    assertThat(registry.findView(NS, "other_view", null)).isEmpty();
    assertThat(registry.audit(null, null, 1000)).hasSize(audits);
    registryError(
        Kind.BREAKING_CHANGE,
        () ->
            registry.apply(
                SpecBundle.ofViews(view(1, b -> b.entities(List.of("account")))), "tester", true));
    // A service may reference a view created in the same (dry-run) apply; nothing persists.
    ApplyResult withService =
        registry.apply(
            new SpecBundle(
                List.of(),
                List.of(),
                List.of(view("new_view", 1, b -> {})),
                List.of(
                    new dev.quiver.core.spec.FeatureService(
                        NS,
                        "scoring",
                        List.of(
                            dev.quiver.core.spec.FeatureRef.parse("new_view.user_7d_txn_count")),
                        "",
                        "",
                        Map.of()))),
            "tester",
            true);
    assertThat(withService.changes())
        .extracting(ChangePlan::kind, ChangePlan::action)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("feature_view", "CREATE"),
            org.assertj.core.groups.Tuple.tuple("feature_service", "CREATE"));
    assertThat(registry.getService(NS, "scoring")).isEmpty();
    assertThat(registry.findView(NS, "new_view", null)).isEmpty();
    // The real apply then gives the same plan the dry run showed.
    assertThat(applyOne(next).toVersion()).isEqualTo("v1.1");
  }

  private List<String> names(ViewQuery q) {
    return registry.listViews(q).stream().map(r -> r.view().name()).toList();
  }

  static Map<String, FeatureType> schema(ViewRecord r) {
    Map<String, FeatureType> m = new LinkedHashMap<>();
    r.view().features().forEach(f -> m.put(f.name(), f.dtype()));
    return m;
  }
}
