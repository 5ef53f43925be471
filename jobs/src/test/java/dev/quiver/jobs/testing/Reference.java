package dev.quiver.jobs.testing;

import dev.quiver.jobs.testing.Transactions.Txn;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The plain reference for the materialization tests, written from the raw produced log without any
 * of the job's code: which records are rejected (and why), and which events are accepted.
 */
public final class Reference {
  /** A record as produced: its offset, Kafka timestamp and meaning. */
  public record Sent(long offset, long kafkaTs, Transactions.Record record) {}

  /** An accepted event with its sequence (offset) and ingestion time. */
  public record Accepted(Txn txn, long seq, long ingestedAt) {}

  /**
   * A rejected record: offset and reason code ({@code malformed}, {@code too_late}, {@code
   * too_early} for an event time far ahead of its Kafka timestamp, or {@code not_materialized} for
   * a change-data-capture delete).
   */
  public record Rejected(long offset, String reason) {}

  public final List<Accepted> accepted = new ArrayList<>();
  public final List<Rejected> rejected = new ArrayList<>();

  /**
   * Lateness: an event is too late when its time is below (the highest event time accepted before
   * it − delay − lateness). Duplicates: the first accepted copy of a txn_id wins.
   */
  public Reference(List<Sent> log, long delayMs, long latenessMs) {
    Long max = null;
    Set<String> seen = new HashSet<>();
    List<Sent> ordered = new ArrayList<>(log);
    ordered.sort(java.util.Comparator.comparingLong(Sent::offset)); // the partition's order
    for (Sent s : ordered) {
      Txn t = s.record().txn();
      if (t == null) {
        String kind = s.record().malformedKind();
        String reason =
            SourceEncodings.DELETE.equals(kind)
                ? "not_materialized"
                : Transactions.TOO_EARLY.equals(kind) ? "too_early" : "malformed";
        rejected.add(new Rejected(s.offset(), reason));
        continue;
      }
      if (max != null && t.ts() < max - delayMs - latenessMs) {
        rejected.add(new Rejected(s.offset(), "too_late"));
        continue;
      }
      max = max == null ? t.ts() : Math.max(max, t.ts());
      if (seen.add(t.txnId())) {
        accepted.add(new Accepted(t, s.offset(), s.kafkaTs()));
      }
    }
  }
}
