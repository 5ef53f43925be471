package dev.quiver.core.registry;

import dev.quiver.core.registry.RegistryException.Kind;
import dev.quiver.core.registry.store.RegistryTransaction;
import dev.quiver.core.registry.store.VersionInfo;
import dev.quiver.core.spec.ViewStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Lifecycle moves of a view major (DRAFT → ACTIVE → DEPRECATED → RETIRED, per {@link
 * ViewStatus#canMoveTo}). Status belongs to a major: every revision of {@code v3} moves together,
 * because consumers pin majors and {@code latest} must not fall back to an older revision of a
 * deprecated major.
 */
final class ViewLifecycle {
  private ViewLifecycle() {}

  /**
   * Moves the major that {@code version} names to {@code status}, taking the view's optimistic lock
   * and appending a STATUS audit entry. A repeated move with the same sunset is a no-op.
   *
   * @return the newest revision of the major, as stored after the move
   */
  static VersionInfo move(
      RegistryTransaction tx,
      String namespace,
      String name,
      List<VersionInfo> all,
      String version,
      ViewStatus status,
      Instant sunset,
      String actor,
      Instant now) {
    long seq = tx.headSeq(namespace, name);
    int major =
        VersionResolver.isLatest(version)
            ? VersionResolver.resolve(name, all, version).version().major()
            : VersionResolver.parse(name, version).major();
    VersionInfo current =
        all.stream()
            .filter(v -> v.version().major() == major)
            .reduce((a, b) -> b)
            .orElseThrow(
                () ->
                    new RegistryException(
                        Kind.NOT_FOUND,
                        name
                            + ":v"
                            + major
                            + " does not exist (versions: "
                            + VersionResolver.describe(all)
                            + ")",
                        "version"));
    ViewStatus from = current.status();
    Instant newSunset = status == ViewStatus.ACTIVE ? null : sunset;
    if (from == status && Objects.equals(current.sunsetAt(), newSunset)) {
      return current;
    }
    if (from != status && !from.canMoveTo(status)) {
      throw new RegistryException(
          Kind.INVALID,
          "status: cannot move "
              + name
              + ":v"
              + major
              + " from "
              + from
              + " to "
              + status
              + " (allowed from "
              + from
              + ": "
              + allowedMoves(from)
              + ")",
          "status");
    }
    if (!tx.advanceHead(namespace, name, seq, now)) {
      throw new ViewApplier.HeadMoved(namespace + "." + name);
    }
    tx.updateStatus(namespace, name, major, status, newSunset);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("from", from.name());
    detail.put("to", status.name());
    detail.put("sunset", newSunset == null ? null : newSunset.toString());
    tx.appendAudit(
        new AuditEntry(
            now,
            actor,
            "STATUS",
            ViewApplier.KIND,
            namespace,
            name,
            "v" + major,
            SpecJson.write(detail)));
    return new VersionInfo(
        current.id(),
        current.version(),
        status,
        newSunset,
        current.specChecksum(),
        current.createdAt(),
        current.createdBy());
  }

  static String allowedMoves(ViewStatus from) {
    List<String> moves = new ArrayList<>();
    for (ViewStatus s : ViewStatus.values()) {
      if (from.canMoveTo(s)) {
        moves.add(s.name());
      }
    }
    return moves.isEmpty() ? "none, it is final" : String.join(", ", moves);
  }
}
