package dev.quiver.core.registry;

import dev.quiver.core.registry.ApplyResult.Change;
import dev.quiver.core.registry.ApplyResult.ChangePlan;
import dev.quiver.core.registry.ApplyResult.Compatibility;
import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.RegistryTransaction;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecProblem;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Plans and writes one feature view inside a registry transaction: CREATE, a new revision (UPDATE),
 * NEW_MAJOR or UNCHANGED, or a refusal. Takes the optimistic lock on the view's head; when another
 * writer moved it, throws {@link HeadMoved} so the caller rolls back and re-plans.
 */
final class ViewApplier {
  static final String KIND = "feature_view";

  /** The head moved between our read and our write: re-read and retry. */
  static final class HeadMoved extends RuntimeException {
    HeadMoved(String view) {
      super("head of " + view + " moved", null, false, false);
    }
  }

  private final CompatibilityChecker checker;

  ViewApplier(CompatibilityChecker checker) {
    this.checker = checker;
  }

  /**
   * @param expected for a precondition: the newest version the caller saw ("" = no precondition,
   *     null = the view must not exist)
   */
  ChangePlan apply(
      RegistryTransaction tx,
      FeatureView spec,
      String expected,
      String actor,
      Instant now,
      List<SpecProblem> warnings) {
    String ns = spec.namespace();
    String name = spec.name();
    long seq = tx.headSeq(ns, name);
    List<VersionInfo> versions = tx.versionInfos(ns, name);
    checkPrecondition(name, versions, expected);
    String checksum = SpecJson.checksum(spec);
    int major = spec.version().major();
    if (versions.isEmpty()) {
      ViewStatus status = initialStatus(spec);
      Version to = Version.of(major);
      write(tx, spec, to, status, null, checksum, seq, actor, now);
      List<Change> diffs =
          List.of(
              new Change(
                  name,
                  "new view with " + spec.features().size() + " feature(s)",
                  Compatibility.COMPATIBLE));
      ChangePlan plan = new ChangePlan(KIND, ns, name, "CREATE", null, to.toString(), diffs);
      audit(tx, plan, actor, now);
      return plan;
    }
    VersionInfo newest = VersionResolver.newest(versions).orElseThrow();
    int maxMajor = newest.version().major();
    VersionInfo sameMajor =
        versions.stream()
            .filter(v -> v.version().major() == major)
            .reduce((a, b) -> b) // oldest first, so the last is the newest revision
            .orElse(null);
    if (sameMajor != null && spec.status() != sameMajor.status()) {
      warnings.add(
          new SpecProblem(
              SpecProblem.Severity.WARNING,
              null,
              "status",
              0,
              name
                  + ": status "
                  + spec.status()
                  + " is not applied to the existing v"
                  + major
                  + ", which is "
                  + sameMajor.status(),
              "move a version through its lifecycle with quiver deprecate (setStatus)"));
    }
    if (sameMajor != null && sameMajor.specChecksum().equals(checksum)) {
      return new ChangePlan(
          KIND, ns, name, "UNCHANGED", sameMajor.version().toString(), null, List.of());
    }
    if (major < maxMajor) {
      throw new RegistryException(
          Kind.INVALID,
          "version: "
              + name
              + ":v"
              + major
              + " is older than the newest major v"
              + maxMajor
              + "; majors only move forward, and pinned readers of v"
              + major
              + " must keep what they read. Publish the change as v"
              + (maxMajor + 1)
              + " (or apply it to v"
              + maxMajor
              + " if it is compatible)",
          "version");
    }
    FeatureView current = tx.view(newest.id()).orElseThrow().view();
    List<Change> diffs = checker.diff(current, spec);
    if (major > maxMajor) {
      ViewStatus status = initialStatus(spec);
      Version to = Version.of(major);
      write(tx, spec, to, status, null, checksum, seq, actor, now);
      ChangePlan plan =
          new ChangePlan(
              KIND, ns, name, "NEW_MAJOR", newest.version().toString(), to.toString(), diffs);
      audit(tx, plan, actor, now);
      return plan;
    }
    if (sameMajor.status() == ViewStatus.RETIRED) {
      throw new RegistryException(
          Kind.INVALID,
          "version: "
              + name
              + ":v"
              + major
              + " is RETIRED and takes no new revisions; publish"
              + " the change as v"
              + (maxMajor + 1),
          "version");
    }
    List<Change> breaking =
        diffs.stream().filter(c -> c.compatibility() == Compatibility.BREAKING).toList();
    if (!breaking.isEmpty()) {
      throw new RegistryException(
          Kind.BREAKING_CHANGE, breakingMessage(name, major, breaking), breaking.get(0).path());
    }
    if (diffs.isEmpty()) {
      diffs = List.of(new Change(name, "spec metadata changed", Compatibility.COMPATIBLE));
    }
    Version to = new Version(major, sameMajor.version().revision() + 1);
    // A revision inherits the lifecycle of its major: DEPRECATED stays DEPRECATED with its sunset.
    write(tx, spec, to, sameMajor.status(), sameMajor.sunsetAt(), checksum, seq, actor, now);
    ChangePlan plan =
        new ChangePlan(
            KIND, ns, name, "UPDATE", sameMajor.version().toString(), to.toString(), diffs);
    audit(tx, plan, actor, now);
    return plan;
  }

  static String breakingMessage(String name, int major, List<Change> breaking) {
    return name
        + ":v"
        + major
        + ": "
        + breaking.size()
        + " breaking change(s) cannot be published under the same major:\n"
        + breaking.stream()
            .map(c -> "  - " + c.path() + ": " + c.description())
            .collect(Collectors.joining("\n"))
        + "\nfix: bump version to v"
        + (major + 1)
        + " to publish it as a new major; consumers"
        + " pinned to v"
        + major
        + " keep v"
        + major;
  }

  private static void checkPrecondition(String name, List<VersionInfo> versions, String expected) {
    if ("".equals(expected)) {
      return;
    }
    String actual = VersionResolver.newest(versions).map(v -> v.version().toString()).orElse(null);
    if (expected == null ? actual != null : !expected.equals(actual)) {
      throw new RegistryException(
          Kind.CONFLICT,
          name
              + ": precondition failed: expected head "
              + (expected == null ? "(none: a new view)" : expected)
              + " but it is "
              + (actual == null ? "(none)" : actual)
              + "; re-read the view and apply again",
          "version");
    }
  }

  private static ViewStatus initialStatus(FeatureView spec) {
    ViewStatus s = spec.status();
    if (s != ViewStatus.ACTIVE && s != ViewStatus.DRAFT) {
      throw new RegistryException(
          Kind.INVALID,
          "status: "
              + s
              + " for a new version of "
              + spec.name()
              + " (expected: ACTIVE or"
              + " DRAFT; deprecate or retire existing versions with quiver deprecate)",
          "status");
    }
    return s;
  }

  private static void write(
      RegistryTransaction tx,
      FeatureView spec,
      Version to,
      ViewStatus status,
      Instant sunset,
      String checksum,
      long seq,
      String actor,
      Instant now) {
    if (!tx.advanceHead(spec.namespace(), spec.name(), seq, now)) {
      throw new HeadMoved(spec.qualifiedName());
    }
    FeatureView stored = spec.withVersion(to).withStatus(status);
    tx.insertView(
        new ViewRecord(
            UUID.randomUUID().toString(), stored, now, actor, sunset, checksum, List.of()));
  }

  static void audit(RegistryTransaction tx, ChangePlan plan, String actor, Instant now) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("action", plan.action());
    detail.put("from", plan.fromVersion());
    detail.put("to", plan.toVersion());
    List<Map<String, String>> changes = new ArrayList<>();
    for (Change c : plan.diffs()) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("path", c.path());
      m.put("description", c.description());
      m.put("compatibility", c.compatibility().name());
      changes.add(m);
    }
    detail.put("changes", changes);
    tx.appendAudit(
        new AuditEntry(
            now,
            actor,
            plan.action(),
            plan.kind(),
            plan.namespace(),
            plan.name(),
            plan.toVersion() != null ? plan.toVersion() : plan.fromVersion(),
            SpecJson.write(detail)));
  }
}
