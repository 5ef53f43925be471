package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.TrainingSetFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver serve} on a free port over the embedded registry and online store: the REST service
 * answers, lists the views that {@code quiver apply} registered, and stops when its thread is
 * interrupted.
 */
class QuiverServeITCase extends CliTestSupport {
  private static final Pattern LISTENING = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)");

  @Test
  void servesTheRegistryOverHttp() throws Exception {
    assertThat(run("apply", dir.resolve("base.yaml").toString()).code()).isZero();
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString()).code())
        .isZero();
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serving =
        new Thread(
            () ->
                code.set(
                    QuiverCli.commandLine()
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(out, true))
                        .execute(
                            "--set",
                            "quiver.data-dir=" + dir.resolve("data"),
                            "serve",
                            "--port",
                            "0")));
    serving.start();
    int port = -1;
    for (int i = 0; i < 600 && port < 0; i++) {
      Matcher m = LISTENING.matcher(out.toString());
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      } else {
        Thread.sleep(100);
      }
    }
    assertThat(port).as(out.toString()).isPositive();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    HttpResponse<String> views =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/registry/featureViews"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(views.statusCode()).isEqualTo(200);
    assertThat(views.body()).contains("user_pages");
    // The offline routes are wired to the real Flink offline service: it validates on submit.
    HttpResponse<String> jobs =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/offline/jobs"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(jobs.statusCode()).as(jobs.body()).isEqualTo(200);
    assertThat(jobs.body()).contains("\"jobs\"");
    HttpResponse<String> badBackfill =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/backfill"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"feature_view\":\"no_such_view\",\"time_range\":{\"start\":"
                            + "\"2025-10-01T00:00:00Z\",\"end\":\"2025-11-01T00:00:00Z\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(badBackfill.statusCode()).as(badBackfill.body()).isBetween(400, 404);
    assertThat(badBackfill.body()).contains("no_such_view").doesNotContain("Exception");
    // quiver backfill / export --server: the jobs run in the server (its Flink service), the CLI
    // follows them over REST and prints what an in-process run prints
    String url = "http://127.0.0.1:" + port;
    Schema raw = CLICKS_RAW;
    long base = Instant.parse("2024-05-01T00:00:00Z").toEpochMilli();
    List<Record> events = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      GenericRecord r = GenericRecord.create(raw);
      r.setField("user_id", "u" + i % 5);
      r.setField("page", "/p" + i);
      r.setField("dwell_ms", (long) i);
      r.setField("event_time", OfflineWriter.timestamptz(base + i * 60_000L));
      events.add(r);
    }
    Files.createDirectories(dir.resolve("history"));
    TrainingSetFiles.write(raw, dir.resolve("history").resolve("clicks.parquet"), events);
    Run backfill =
        run(
            "backfill",
            "user_pages",
            "--from",
            "2024-05-01T00:00:00Z",
            "--to",
            "2024-05-02T00:00:00Z",
            // relative to the CLI's working directory (sent absolute, since a server resolves
            // paths against its own; this one shares the test's)
            "--source",
            Path.of("").toAbsolutePath().relativize(dir.resolve("history")).toString(),
            // the server holds the embedded online store: with --server it writes it itself
            // (without, the CLI refuses --online at once, see OnlineStoreLockITCase)
            "--online",
            "--server",
            url);
    assertThat(backfill.code()).as(backfill.out() + backfill.err()).isZero();
    assertThat(backfill.out()).contains("backfill job ", "SUCCEEDED", "snapshot_id");
    assertThat(backfill.out()).containsPattern("online_rows +60");
    Path remoteOut = dir.resolve("exported-remote");
    String[] export = {
      "export",
      "user_pages.last_page",
      "--times",
      "2024-05-01T00:30:00Z,2024-05-01T02:00:00Z",
      "--output",
      remoteOut.toString(),
      "--server",
      url
    };
    Run remote = run(export);
    assertThat(remote.code()).as(remote.out() + remote.err()).isZero();
    assertThat(remote.out())
        .contains("export job ", "SUCCEEDED")
        .contains("wrote " + remoteOut + " (10 rows")
        .contains("manifest " + remoteOut.resolve("_manifest.json"));
    HttpResponse<String> listed =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/v1/offline/jobs")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(listed.body()).contains(remoteOut.toString());
    // the same export in this process writes the same rows
    Path localOut = dir.resolve("exported-local");
    export[5] = localOut.toString();
    Run local = run(java.util.Arrays.copyOf(export, 6));
    assertThat(local.code()).as(local.out() + local.err()).isZero();
    ObjectMapper json = new ObjectMapper();
    assertThat(
            json.readTree(remoteOut.resolve("_manifest.json").toFile())
                .get("outputDataChecksum")
                .asText())
        .isEqualTo(
            json.readTree(localOut.resolve("_manifest.json").toFile())
                .get("outputDataChecksum")
                .asText())
        .startsWith("sha256:");
    assertThat(local.out()).doesNotContain("running the export on");
    // a quiver local running on the data directory (its lock held by another process, its URL
    // advertised) gets the jobs without --server; --in-process keeps them here
    Path data = dir.resolve("data");
    Files.writeString(data.resolve("local.url"), url + "\n");
    Process holder = OnlineStoreLockITCase.holdLock(Files.createFile(data.resolve("local.lock")));
    try {
      Path routedOut = dir.resolve("exported-routed");
      export[5] = routedOut.toString();
      Run routed = run(java.util.Arrays.copyOf(export, 6));
      assertThat(routed.code()).as(routed.out() + routed.err()).isZero();
      assertThat(routed.out())
          .contains("running the export on the quiver local at " + url)
          .contains("wrote " + routedOut);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(url + "/v1/offline/jobs")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body())
          .contains(routedOut.toString());
      // so does 'snapshots expire': the local holds the warehouse and expires there
      Run expire = run("snapshots", "expire", "user_pages", "--older-than", "1d", "--dry-run");
      assertThat(expire.code()).as(expire.out() + expire.err()).isZero();
      assertThat(expire.out())
          .contains("running the snapshot expiry on the quiver local at " + url)
          .contains("would expire 0 snapshots")
          .contains("(1d) in 1 table, keeping the newest 100 of each");
      Path hereOut = dir.resolve("exported-here");
      export[5] = hereOut.toString();
      String[] here = java.util.Arrays.copyOf(export, 7);
      here[6] = "--in-process";
      Run inProcess = run(here);
      assertThat(inProcess.code()).as(inProcess.out() + inProcess.err()).isZero();
      assertThat(inProcess.out()).doesNotContain("running the export on");
      assertThat(hereOut.resolve("_manifest.json")).exists();
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    // the lock released (the local stopped without removing its URL file): jobs run here again
    Path afterOut = dir.resolve("exported-after");
    export[5] = afterOut.toString();
    Run after = run(java.util.Arrays.copyOf(export, 6));
    assertThat(after.code()).as(after.out() + after.err()).isZero();
    assertThat(after.out()).doesNotContain("running the export on");
    // the server's refusals keep their meaning: an unknown view is exit 5 and names it
    Run unknown =
        run(
            "export",
            "no_such_view.x",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            dir.resolve("x").toString(),
            "--server",
            url);
    assertThat(unknown.code()).as(unknown.out() + unknown.err()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(unknown.err()).contains("no_such_view").doesNotContain("Exception");
    // label rows without the time column: refused when submitted (400 naming timestamp_column
    // and listing the columns; exit 1 on the CLI, through the server and in this process), not a
    // job that fails (QA pass, session 12)
    Path noTime = Files.writeString(dir.resolve("no-time.csv"), "user_id,ts\nu0,0\n");
    HttpResponse<String> badLabels =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/v1/offline/export"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"features\":[\"user_pages.last_page\"],\"labels\":\""
                            + noTime
                            + "\",\"output_location\":\""
                            + dir.resolve("z")
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(badLabels.statusCode()).as(badLabels.body()).isEqualTo(400);
    JsonNode badLabelsError = json.readTree(badLabels.body()).get("error");
    assertThat(badLabelsError.get("field").asText()).isEqualTo("timestamp_column");
    assertThat(badLabelsError.get("message").asText())
        .startsWith("timestamp_column: 'timestamp' is not a column of " + noTime)
        .contains("(columns: user_id, ts;");
    for (String where : List.of("--server", "--in-process")) {
      String[] args = {
        "export",
        "user_pages.last_page",
        "--labels",
        noTime.toString(),
        "--output",
        dir.resolve("z").toString(),
        where,
        url
      };
      Run refused = run(where.equals("--server") ? args : java.util.Arrays.copyOf(args, 7));
      assertThat(refused.code()).as(where + refused.out() + refused.err()).isEqualTo(1);
      assertThat(refused.err())
          .as(where)
          .contains("timestamp_column: 'timestamp' is not a column of " + noTime)
          .contains("(columns: user_id, ts;")
          .doesNotContain("export failed");
      assertThat(refused.out()).as(where).doesNotContain("export job");
    }
    Run badStep =
        run(
            "backfill",
            "no_such_view",
            "--from",
            "2024-05-01T00:00:00Z",
            "--to",
            "2024-05-02T00:00:00Z",
            "--dry-run",
            "--server",
            url);
    assertThat(badStep.code()).as(badStep.out() + badStep.err()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(badStep.err()).contains("no_such_view");
    serving.interrupt();
    serving.join(30_000);
    assertThat(serving.isAlive()).isFalse();
    assertThat(code.get()).as(out.toString()).isEqualTo(ExitCode.OK);
    // no server there any more: a clear error, not a hang
    Run gone =
        run(
            "export",
            "user_pages.last_page",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            dir.resolve("y").toString(),
            "--server",
            url);
    assertThat(gone.code()).isEqualTo(ExitCode.FAILURE);
    assertThat(gone.err()).contains("cannot reach the Quiver server at " + url);
    Run notAUrl =
        run(
            "export",
            "v.f",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            "o",
            "--server",
            "localhost:8080");
    assertThat(notAUrl.code()).isEqualTo(ExitCode.INVALID);
    assertThat(notAUrl.err())
        .contains("--server: 'localhost:8080' (expected: the server's base URL");
  }

  /**
   * Ctrl-C (SIGTERM) while a response is in flight: it is finished (graceful shutdown), not cut.
   * The shutdown hook only woke the serving thread and returned, and the JVM ended during the
   * graceful stop: the connection was closed mid-response. The response (every key echoed, ~15 MB)
   * stays in flight because this client reads it only after the signal.
   */
  @Test
  void sigtermFinishesTheResponseInFlight() throws Exception {
    assertThat(run("apply", dir.resolve("base.yaml").toString()).code()).isZero();
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString()).code())
        .isZero();
    Process serve =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                QuiverMain.class.getName(),
                "--set",
                "quiver.data-dir=" + dir.resolve("data"),
                "--set",
                "server.max-request-length=40000000",
                "--set",
                "server.rate-limit.per-key-rate=0",
                "serve",
                "--port",
                "0")
            .redirectErrorStream(true)
            .start();
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  serve.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      int port = -1;
      StringBuilder seen = new StringBuilder();
      for (String line = lines.readLine(); line != null && port < 0; ) {
        seen.append(line).append('\n');
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        } else {
          line = lines.readLine();
        }
      }
      assertThat(port).as(seen.toString()).isPositive();
      Thread drain = new Thread(() -> lines.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      // a cold server's first plan may take longer than the default lookup deadline: warm it
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> warm =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/features:batchLookup"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"entity_name\":\"user\",\"keys\":[\"u1\"],"
                              + "\"features\":[\"user_pages.last_page\"],"
                              + "\"options\":{\"timeout_ms\":60000}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
      StringBuilder keys = new StringBuilder();
      for (int i = 0; i < 5000; i++) {
        keys.append(i == 0 ? "\"" : ",\"").append(i).append("x".repeat(3000)).append('"');
      }
      byte[] body =
          ("{\"entity_name\":\"user\",\"keys\":["
                  + keys
                  + "],\"features\":[\"user_pages.last_page\"],"
                  + "\"options\":{\"timeout_ms\":60000}}")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      try (java.net.Socket socket = new java.net.Socket()) {
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(60_000);
        var out = socket.getOutputStream();
        out.write(
            ("POST /v1/features:batchLookup HTTP/1.1\r\nHost: x\r\n"
                    + "content-type: application/json\r\ncontent-length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        var in =
            new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        String status = readLine(in); // the answer has begun; its body waits for this reader
        Thread.sleep(500);
        serve.destroy(); // SIGTERM, as Ctrl-C
        Thread.sleep(2000);
        long length = -1;
        for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
          if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Long.parseLong(h.substring(15).trim());
          }
        }
        assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(length).isGreaterThan(15_000_000);
        byte[] answer = in.readNBytes((int) length);
        assertThat(answer.length).as("bytes of the answer received").isEqualTo((int) length);
      }
      assertThat(serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      serve.destroyForcibly();
    }
  }

  private static String readLine(java.io.DataInputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException("connection closed after: " + sb);
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  @Test
  void anUnreachableHBaseIsAConfigurationErrorNamingTheQuorum() {
    // was exit 70 "unexpected failure" with an OnlineStoreException
    Run r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(150),
            () ->
                run(
                    "--set",
                    "online.type=hbase",
                    "--set",
                    "online.hbase.zookeeper-quorum=127.0.0.1:1",
                    // fail fast: no ZooKeeper retries (the default retries for ~30 s)
                    "--set",
                    "online.hbase.properties.zookeeper.recovery.retry=0",
                    "serve",
                    "--port",
                    "0"));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
    assertThat(r.err())
        .startsWith("error: online.hbase.zookeeper-quorum: cannot connect to HBase at 127.0.0.1:1")
        .contains("--set online.hbase.zookeeper-quorum=HOST:PORT")
        .doesNotContain("caused by");
  }

  @Test
  void aPortInUseIsRefusedNamingTheOptionWithoutAStackTrace() throws Exception {
    // was exit 70: "error: java.util.concurrent.CompletionException:
    // io.netty.channel.unix.Errors$NativeIoException: bind(..) failed ..." and its cause chain
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Run r =
          assertTimeoutPreemptively(
              Duration.ofSeconds(150),
              () ->
                  run(
                      "--set",
                      "quiver.data-dir=" + dir.resolve("data"),
                      "--set",
                      "offline.warm-up=false",
                      "serve",
                      "--port",
                      Integer.toString(taken.getLocalPort())));
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
      assertThat(r.err())
          .startsWith(
              "error: server.port: 127.0.0.1:" + taken.getLocalPort() + " is already in use")
          .contains("--port N")
          .doesNotContain("caused by")
          .doesNotContain("Exception");
    }
  }

  @Test
  void anOutOfRangePortIsAConfigurationError() {
    // was exit 1, while serve --help says 2 for a configuration error (server.port: 'abc' was 2)
    Run r = run("--set", "quiver.data-dir=" + dir.resolve("data"), "serve", "--port", "70000");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).startsWith("error: server.port: 70000 (expected: 0..65535)");
  }
}
