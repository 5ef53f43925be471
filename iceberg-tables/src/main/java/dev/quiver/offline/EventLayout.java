package dev.quiver.offline;

import java.io.Serializable;
import org.apache.iceberg.Schema;

/**
 * Where an event's parts sit in a view's projected columns ({@link TrainingSetPlan.ViewRead}),
 * without the view itself: what the columnar event path ({@link EventColumns}) ships to the
 * readers.
 */
record EventLayout(
    Schema projection,
    int viewIndex,
    int keyPos,
    int eventTimePos,
    int seqPos,
    int ingestedPos,
    int[] valuePositions)
    implements Serializable {

  /** The layout of a one-key view ({@link EventBytes#supports}); null for other views. */
  static EventLayout of(TrainingSetPlan.ViewRead r) {
    if (!EventBytes.supports(r)) {
      return null;
    }
    return new EventLayout(
        r.projection(),
        r.viewIndex(),
        r.keyPositions()[0],
        r.eventTimePos(),
        r.seqPos(),
        r.ingestedPos(),
        r.valuePositions());
  }
}
