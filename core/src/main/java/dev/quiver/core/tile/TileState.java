package dev.quiver.core.tile;

/**
 * The mergeable intermediate state of one aggregation over one tile (or over any union of tiles).
 * Never a finished value: {@link TileAggregator#finish} turns a merged state into the feature
 * value. Implementations are specific to their {@link TileAggregator}.
 */
public interface TileState {}
