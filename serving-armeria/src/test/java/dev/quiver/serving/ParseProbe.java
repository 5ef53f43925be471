package dev.quiver.serving;

import com.linecorp.armeria.common.HttpData;
import dev.quiver.core.spec.FeatureRef;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A diagnostic (session 16), not a test: {@link LookupRequest#parse} of the bench's single-key
 * body, plus what the plan-cache probe does with its feature list (hashCode, equals against a
 * cached key's list), by thread CPU time and allocated bytes per call, which hold on a loaded
 * machine. Arg: rounds (the first is the warm-up). Run it with two builds' classes for an A/B.
 */
public final class ParseProbe {
  public static void main(String[] args) {
    byte[][] bodies = new byte[50_000][];
    java.util.Random rnd = new java.util.Random(42);
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] =
          ("{\"entity_name\":\"user\",\"keys\":[\"u"
                  + rnd.nextInt(100_000)
                  + "\"],\"features\":[\"txn_count\",\"total_spend_usd\",\"segment\","
                  + "\"is_premium\",\"days_active\"]}")
              .getBytes(StandardCharsets.UTF_8);
    }
    List<FeatureRef> cached = LookupRequest.parse(HttpData.wrap(bodies[0])).features();
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long sink = 0;
    int rounds = Integer.parseInt(args[0]);
    int calls = 2_000_000;
    for (int r = 0; r < rounds; r++) {
      long c0 = mx.getCurrentThreadCpuTime();
      long a0 = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < calls; i++) {
        LookupRequest q = LookupRequest.parse(HttpData.wrap(bodies[i % bodies.length]));
        List<FeatureRef> f = q.features();
        sink += f.hashCode();
        if (f.equals(cached)) {
          sink++;
        }
      }
      long c1 = mx.getCurrentThreadCpuTime();
      long a1 = mx.getThreadAllocatedBytes(tid);
      if (r > 0) {
        System.out.printf(
            "round %d: %.1f ns/call %.0f B/call%n",
            r, (c1 - c0) / (double) calls, (a1 - a0) / (double) calls);
      }
    }
    System.out.println("sink " + sink);
  }
}
