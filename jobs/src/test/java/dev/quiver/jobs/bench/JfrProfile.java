package dev.quiver.jobs.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A sampling profile with Java Flight Recorder: where the CPU time of the benchmark goes, as the
 * share of execution samples whose top frame is in a method (self time) and the share per component
 * (by the package of the first non-JDK frame).
 */
final class JfrProfile implements AutoCloseable {
  private final Recording recording = new Recording();
  private final Path file;

  JfrProfile(Path file) {
    this.file = file;
    recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(10));
    // Threads inside JNI (RocksDB get/put/write) are not execution samples; recorded for `jfr
    // print`.
    recording.enable("jdk.NativeMethodSample").withPeriod(java.time.Duration.ofMillis(20));
    recording.start();
  }

  /** Stops the recording and summarises it: top self-time methods and components. */
  Map<String, Object> summary(int top) throws Exception {
    recording.stop();
    recording.dump(file);
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> component = new HashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (frames.isEmpty()) {
        continue;
      }
      total++;
      RecordedFrame f = frames.get(0);
      self.merge(
          f.getMethod().getType().getName() + "." + f.getMethod().getName(), 1, Integer::sum);
      component.merge(component(frames), 1, Integer::sum);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("samples", total);
    out.put("topSelfMethodsPct", topShares(self, total, top));
    out.put("componentsPct", topShares(component, total, top));
    return out;
  }

  private static String component(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
        continue;
      }
      String[] parts = type.split("\\.");
      return String.join(".", java.util.Arrays.copyOf(parts, Math.min(4, parts.length - 1)));
    }
    return "jdk";
  }

  private static Map<String, Double> topShares(Map<String, Integer> counts, int total, int top) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> Math.round(1000.0 * e.getValue() / Math.max(1, total)) / 10.0,
                (a, b) -> a,
                LinkedHashMap::new));
  }

  @Override
  public void close() {
    recording.close();
  }
}
