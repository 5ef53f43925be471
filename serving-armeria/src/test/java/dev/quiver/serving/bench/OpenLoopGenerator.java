package dev.quiver.serving.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A lean HTTP/1.1 load generator: one thread, Java NIO, keep-alive over a fixed set of connections,
 * one request in flight per connection.
 *
 * <p><b>Open model</b> ({@link #runOpen}): request {@code i} is due at {@code start + i/rate}
 * whatever happened before; when no connection is free it waits in a queue, and its latency is
 * measured from its <i>intended</i> send time, so a stalled server shows up as latency instead of
 * silently lowering the offered rate (no coordinated omission). <b>Closed model</b> ({@link
 * #runClosed}): every connection sends its next request as soon as the previous answer arrives;
 * used to find peak throughput.
 */
public final class OpenLoopGenerator implements AutoCloseable {
  private final Selector selector;
  private final InetSocketAddress target;
  private final Conn[] conns;
  private final byte[][] requests;
  private final int[] tags;
  private Histogram[] byTag;
  private long nextRequest;
  // Optional per-request log (recordEach): intended send time (ns, System.nanoTime) and latency
  // (us).
  private long[] logSent;
  private int[] logMicros;
  private short[] logConn;
  private int logCount;

  /** Results of one run. Latencies in microseconds. */
  public record Result(
      String name,
      double offeredRate,
      double achievedRate,
      long completed,
      long errors,
      long backlogDropped,
      Histogram latencyMicros,
      double seconds,
      Histogram[] byTag) {
    public double p(double percentile) {
      return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /**
   * @param requests complete HTTP/1.1 requests (request line, headers, body), used round-robin
   */
  public OpenLoopGenerator(InetSocketAddress target, int connections, byte[][] requests)
      throws IOException {
    this(target, connections, requests, null);
  }

  /**
   * @param tags optional class of each request (0..n); latencies are also kept per class
   */
  public OpenLoopGenerator(InetSocketAddress target, int connections, byte[][] requests, int[] tags)
      throws IOException {
    this.selector = Selector.open();
    this.target = target;
    this.requests = requests;
    this.tags = tags;
    this.conns = new Conn[connections];
    for (int i = 0; i < connections; i++) {
      SocketChannel ch = SocketChannel.open();
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.connect(target);
      ch.configureBlocking(false);
      conns[i] = new Conn(ch, i);
      conns[i].key = ch.register(selector, 0, conns[i]);
    }
  }

  /**
   * Keeps each answered request's intended send time and latency (up to {@code max} requests per
   * run), for finding whether slow requests cluster in time; see {@link #writeLog}.
   */
  public void recordEach(int max) {
    logSent = new long[max];
    logMicros = new int[max];
    logConn = new short[max];
    logCount = 0;
  }

  /**
   * Writes the per-request log of the last run as lines {@code <send offset us> <latency us>
   * <connection>} (send offsets from the first request's intended send time; connections numbered
   * in the order they were opened, which is the order the server accepted them, so a server that
   * hands accepted connections to its event loops in turn serves connection {@code i} on loop
   * {@code (i + offset) mod loops}), then clears it.
   */
  public void writeLog(java.nio.file.Path file) throws IOException {
    StringBuilder sb = new StringBuilder(logCount * 16);
    long first = logCount == 0 ? 0 : Long.MAX_VALUE;
    for (int i = 0; i < logCount; i++) {
      first = Math.min(first, logSent[i]);
    }
    for (int i = 0; i < logCount; i++) {
      sb.append((logSent[i] - first) / 1000)
          .append(' ')
          .append(logMicros[i])
          .append(' ')
          .append(logConn[i])
          .append('\n');
    }
    java.nio.file.Files.writeString(file, sb);
    logCount = 0;
  }

  /** Builds a POST request with a JSON body. */
  public static byte[] post(String path, String host, byte[] body) {
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[h.length + body.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  /** Sends at {@code rate} req/s for {@code duration} and waits for the answers. */
  public Result runOpen(String name, double rate, long durationNanos) throws IOException {
    Histogram h = newHistograms();
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime() + 1_000_000;
    long end = start + durationNanos;
    long due = start;
    ArrayDeque<Long> backlog = new ArrayDeque<>();
    ArrayDeque<Conn> idle = new ArrayDeque<>();
    for (Conn c : conns) {
      if (c.inFlightSince == 0) {
        idle.add(c);
      }
    }
    long[] counters = new long[3]; // completed, errors, dropped
    long drainDeadline = end + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      long now = System.nanoTime();
      while (due <= now && due < end) {
        backlog.add(due);
        due += interval;
      }
      while (!backlog.isEmpty() && !idle.isEmpty()) {
        send(idle.poll(), backlog.poll());
      }
      if (backlog.size() > 1_000_000) {
        counters[2] += backlog.size();
        backlog.clear();
      }
      boolean inFlight = idle.size() < conns.length;
      if (due >= end && backlog.isEmpty() && !inFlight) {
        break;
      }
      if (now > drainDeadline) {
        counters[1] += conns.length - idle.size() + backlog.size();
        break;
      }
      long waitNanos = due < end ? due - System.nanoTime() : 1_000_000;
      if (waitNanos >= 1_000_000) {
        selector.select(waitNanos / 1_000_000);
      } else if (selector.selectNow() == 0 && waitNanos > 0) {
        LockSupport.parkNanos(Math.min(waitNanos, 20_000));
      }
      processReady(h, counters, idle, null);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    return new Result(
        name, rate, counters[0] / secs, counters[0], counters[1], counters[2], h, secs, byTag);
  }

  /** Every connection sends back-to-back for {@code duration}; returns the achieved rate. */
  public Result runClosed(String name, long durationNanos) throws IOException {
    Histogram h = newHistograms();
    long start = System.nanoTime();
    long end = start + durationNanos;
    long[] counters = new long[3];
    ArrayDeque<Conn> idle = new ArrayDeque<>();
    for (Conn c : conns) {
      send(c, System.nanoTime());
    }
    while (true) {
      selector.select(10);
      long now = System.nanoTime();
      processReady(h, counters, idle, now < end ? this : null);
      if (now >= end && idle.size() == conns.length) {
        break;
      }
      if (now > end + TimeUnit.SECONDS.toNanos(30)) {
        counters[1] += conns.length - idle.size();
        break;
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    return new Result(name, 0, counters[0] / secs, counters[0], counters[1], 0, h, secs, byTag);
  }

  private Histogram newHistograms() {
    if (tags != null) {
      int max = 0;
      for (int t : tags) {
        max = Math.max(max, t);
      }
      byTag = new Histogram[max + 1];
      for (int i = 0; i <= max; i++) {
        byTag[i] = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      }
    }
    return new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  }

  private void send(Conn c, long intended) throws IOException {
    int idx = (int) (nextRequest++ % requests.length);
    c.tag = tags == null ? 0 : tags[idx];
    byte[] req = requests[idx];
    c.out = ByteBuffer.wrap(req);
    c.inFlightSince = intended;
    c.in.clear();
    c.channel.write(c.out);
    c.key.interestOps(
        c.out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
  }

  private void processReady(
      Histogram h, long[] counters, ArrayDeque<Conn> idle, OpenLoopGenerator resendClosed)
      throws IOException {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey k = it.next();
      it.remove();
      Conn c = (Conn) k.attachment();
      if (!k.isValid()) {
        continue;
      }
      if (k.isWritable() && c.out != null && c.out.hasRemaining()) {
        c.channel.write(c.out);
        if (!c.out.hasRemaining()) {
          k.interestOps(SelectionKey.OP_READ);
        }
      }
      if (k.isReadable()) {
        int n;
        try {
          n = c.channel.read(c.in);
        } catch (IOException e) {
          n = -1;
        }
        if (n < 0) {
          // The server closed the connection (e.g. an idle keep-alive timeout, or a reset):
          // the request in flight counts as an error and the connection is reopened.
          k.cancel();
          c.reconnect(selector, target);
          if (c.inFlightSince != 0) {
            counters[0]++;
            counters[1]++;
            c.inFlightSince = 0;
          }
          if (resendClosed != null) {
            send(c, System.nanoTime());
          } else {
            idle.add(c);
          }
          continue;
        }
        int status = c.complete();
        if (status != 0) {
          long lat = (System.nanoTime() - c.inFlightSince) / 1000;
          long v = Math.max(1, Math.min(lat, h.getHighestTrackableValue()));
          h.recordValue(v);
          if (logSent != null && logCount < logSent.length) {
            logSent[logCount] = c.inFlightSince;
            logConn[logCount] = (short) c.index;
            logMicros[logCount++] = (int) Math.min(Integer.MAX_VALUE, lat);
          }
          if (byTag != null) {
            byTag[c.tag].recordValue(v);
          }
          counters[0]++;
          if (status != 200) {
            counters[1]++;
          }
          c.inFlightSince = 0;
          if (resendClosed != null) {
            send(c, System.nanoTime());
          } else {
            idle.add(c);
          }
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (Conn c : conns) {
      c.channel.close();
    }
    selector.close();
  }

  /** One keep-alive connection and its response parser state. */
  private static final class Conn {
    SocketChannel channel;
    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    ByteBuffer out;
    SelectionKey key;
    long inFlightSince;
    int tag;
    final int index;

    Conn(SocketChannel channel, int index) {
      this.channel = channel;
      this.index = index;
    }

    void reconnect(Selector selector, InetSocketAddress target) throws IOException {
      channel.close();
      channel = SocketChannel.open();
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.connect(target);
      channel.configureBlocking(false);
      in.clear();
      key = channel.register(selector, 0, this);
    }

    /**
     * @return the HTTP status when a whole response is in the buffer, else 0
     */
    int complete() {
      int len = in.position();
      byte[] a = in.array();
      int headerEnd = -1;
      for (int i = 3; i < len; i++) {
        if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
          headerEnd = i + 1;
          break;
        }
      }
      if (headerEnd < 0) {
        grow();
        return 0;
      }
      int contentLength = contentLength(a, headerEnd);
      if (len < headerEnd + contentLength) {
        if (headerEnd + contentLength > in.capacity()) {
          ByteBuffer bigger = ByteBuffer.allocate(headerEnd + contentLength + 1024);
          in.flip();
          bigger.put(in);
          in = bigger;
        }
        return 0;
      }
      int status = (a[9] - '0') * 100 + (a[10] - '0') * 10 + (a[11] - '0');
      in.clear();
      return status;
    }

    private void grow() {
      if (!in.hasRemaining()) {
        ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
        in.flip();
        bigger.put(in);
        in = bigger;
      }
    }

    private static int contentLength(byte[] a, int headerEnd) {
      String head = new String(a, 0, headerEnd, StandardCharsets.US_ASCII).toLowerCase();
      int i = head.indexOf("content-length:");
      if (i < 0) {
        return 0;
      }
      int j = head.indexOf('\r', i);
      return Integer.parseInt(head.substring(i + 15, j).trim());
    }
  }
}
