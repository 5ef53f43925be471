package dev.quiver.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.Transactions.Txn;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Online values computed plainly from the accepted events — no tiles, no shared aggregation code: a
 * window at t with window W and tile s holds the events with {@code floor(t/s)*s + s - W <=
 * event_time <= t}; row features are the latest event with {@code event_time <= t}, ties broken by
 * the higher offset.
 */
public final class OnlineReference {
  private OnlineReference() {}

  /** The expected value of {@code feature} for {@code user} at {@code t}. */
  public static Object expected(List<Reference.Accepted> accepted, String user, Feature f, long t) {
    List<Reference.Accepted> mine =
        accepted.stream().filter(a -> a.txn().userId().equals(user)).toList();
    if (!f.isAggregation()) {
      Reference.Accepted latest =
          mine.stream()
              .filter(a -> a.txn().ts() <= t)
              .max(
                  Comparator.comparingLong((Reference.Accepted a) -> a.txn().ts())
                      .thenComparingLong(Reference.Accepted::seq))
              .orElse(null);
      if (latest == null) {
        return null;
      }
      Txn x = latest.txn();
      return switch (f.name()) {
        case "last_merchant" -> x.merchant();
        case "last_amount" -> x.amount();
        case "amount_x100" -> (long) (x.amount() * 100);
        default -> throw new IllegalArgumentException(f.name());
      };
    }
    long s = Transactions.TILE.toMillis();
    long w = f.aggregation().window().toMillis();
    long from = Math.floorDiv(t, s) * s + s - w;
    List<Reference.Accepted> in =
        mine.stream()
            .filter(a -> a.txn().ts() >= from && a.txn().ts() <= t)
            .sorted(
                Comparator.comparingLong((Reference.Accepted a) -> a.txn().ts())
                    .thenComparingLong(Reference.Accepted::seq))
            .toList();
    int n = in.size();
    double sum = 0;
    for (Reference.Accepted a : in) {
      sum += a.txn().amount();
    }
    return switch (f.aggregation().function()) {
      case COUNT -> (long) n;
      case SUM -> sum;
      case AVG -> n == 0 ? null : sum / n;
      case MIN ->
          in.stream().mapToDouble(a -> a.txn().amount()).boxed().min(Double::compare).orElse(null);
      case MAX ->
          in.stream().mapToDouble(a -> a.txn().amount()).boxed().max(Double::compare).orElse(null);
      case STDDEV -> {
        if (n < 2) {
          yield null;
        }
        double mean = sum / n;
        double ss = 0;
        for (Reference.Accepted a : in) {
          ss += (a.txn().amount() - mean) * (a.txn().amount() - mean);
        }
        yield Math.sqrt(ss / (n - 1));
      }
      case LAST_N -> {
        List<String> out = new ArrayList<>();
        for (int i = n - 1; i >= 0 && out.size() < f.aggregation().n(); i--) {
          out.add(in.get(i).txn().merchant());
        }
        yield out;
      }
      case COUNT_DISTINCT -> {
        HashSet<String> d = new HashSet<>();
        in.forEach(a -> d.add(a.txn().merchant()));
        yield (long) d.size();
      }
      default -> throw new IllegalArgumentException(f.name());
    };
  }

  /**
   * Reads every feature of {@code view} for every user at each time in {@code times} through the
   * {@link FeatureReader} and asserts it equals the reference.
   *
   * @return how many values were compared
   */
  public static int assertOnlineEqualsReference(
      OnlineStore store, FeatureView view, List<Reference.Accepted> accepted, List<Long> times)
      throws Exception {
    FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
    TreeSet<String> users = new TreeSet<>();
    accepted.forEach(a -> users.add(a.txn().userId()));
    List<String> userList = List.copyOf(users);
    List<byte[]> keys = new ArrayList<>();
    for (String u : userList) {
      keys.add(EntityKeyCodec.encode(Transactions.keys(), List.of(u)));
    }
    List<String> names = view.features().stream().map(Feature::name).toList();
    int compared = 0;
    for (long t : times) {
      List<EntityFeatures> got = reader.read(view, names, keys, t).get();
      for (int i = 0; i < userList.size(); i++) {
        Map<String, FeatureValue> values = got.get(i).features();
        for (Feature f : view.features()) {
          Object want = expected(accepted, userList.get(i), f, t);
          FeatureValue fv = values.get(f.name());
          Object actual = fv == null ? null : fv.value();
          String what = userList.get(i) + " " + f.name() + " at " + t;
          if (!java.util.Objects.equals(want, actual) && !(want instanceof Double)) {
            System.out.println("MISMATCH " + what + " want=" + want + " got=" + actual);
            String u = userList.get(i);
            for (Reference.Accepted a : accepted) {
              if (a.txn().userId().equals(u) && a.txn().ts() <= t && a.txn().ts() > t - 600_000) {
                System.out.println("  accepted " + a);
              }
            }
            var table = dev.quiver.online.ViewTableId.of(view);
            var cells =
                store
                    .multiGet(
                        List.of(dev.quiver.online.OnlineRead.latest(table, keys.get(i), List.of())))
                    .get()
                    .get(0)
                    .cells();
            cells.forEach(
                (q, c) -> {
                  if (q.startsWith("tiles@1m")) {
                    System.out.println(
                        "  cell "
                            + q
                            + " ts="
                            + c.ts()
                            + " bytes="
                            + java.util.Arrays.toString(c.value()));
                  }
                });
          }
          if (want instanceof Double d && actual != null) {
            assertThat(((Number) actual).doubleValue()).as(what).isCloseTo(d, within(1e-6));
          } else {
            assertThat(actual).as(what).isEqualTo(want);
          }
          compared++;
        }
      }
    }
    return compared;
  }

  /** Read times on tile edges (t = k*s - 1) across and after the events, and 8 days later. */
  public static List<Long> readTimes(List<Reference.Accepted> accepted) {
    long s = Transactions.TILE.toMillis();
    long min = accepted.stream().mapToLong(a -> a.txn().ts()).min().orElseThrow();
    long max = accepted.stream().mapToLong(a -> a.txn().ts()).max().orElseThrow();
    List<Long> out = new ArrayList<>();
    for (long k = Math.floorDiv(min, s) + 1; k * s - 1 <= max + 3 * s; k += 2) {
      out.add(k * s - 1);
    }
    long last = out.get(out.size() - 1);
    // Reads whose windows cover whole hours and days of the events, so the 1h and 1d rollup tiles
    // are read (a window only reads a rollup tile that ends before its head tile).
    long hour = 3_600_000L;
    long day = 86_400_000L;
    out.add(Math.floorDiv(max, hour) * hour + hour + 2 * s - 1);
    out.add(Math.floorDiv(max, day) * day + day + 2 * s - 1);
    out.add(last + 8L * day); // window decay: no events in the 8 days after
    return out;
  }
}
