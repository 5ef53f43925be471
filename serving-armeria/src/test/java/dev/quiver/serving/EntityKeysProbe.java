package dev.quiver.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quiver.core.spec.Entity;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * A diagnostic (session 16), not a test: {@link EntityKeys#parse} of one string key, the bench's
 * lookup, by thread CPU time per call, which holds on a loaded machine. Arg: rounds (the first is
 * the warm-up). Run it with two builds' classes for an A/B.
 */
public final class EntityKeysProbe {
  public static void main(String[] args) {
    Entity user = Entity.implicit("default", "user");
    JsonNode[] keys = new JsonNode[100_000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = TextNode.valueOf("u" + i);
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sink = 0;
    int rounds = Integer.parseInt(args[0]);
    int calls = 5_000_000;
    for (int r = 0; r < rounds; r++) {
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < calls; i++) {
        List<List<Object>> out = EntityKeys.parse(user, List.of(keys[i % keys.length]));
        sink += out.get(0).size();
      }
      long c1 = mx.getCurrentThreadCpuTime();
      if (r > 0) {
        System.out.printf("round %d: %.1f ns/call%n", r, (c1 - c0) / (double) calls);
      }
    }
    System.out.println("sink " + sink);
  }
}
