package dev.quiver.core.registry;

import java.time.Instant;

/**
 * One change to the registry: who, when, what. {@code detail} is a JSON document (the diff, the
 * compatibility verdict, or the backfill id).
 */
public record AuditEntry(
    Instant at,
    String actor,
    String action,
    String objectKind,
    String namespace,
    String name,
    String version,
    String detail) {}
