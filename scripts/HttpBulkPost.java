import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of scripts/http-bench.sh: POST /messages with JSON arrays, over a few keep-alive HTTP/1.1
 * connections, each sending its next array as soon as the last one is answered. Prints one JSON
 * line: messages, seconds, msgs_per_s and the request latency (p50, p99, max). Exits 1 on any
 * answer but 202 with the right number of ids. JDK only: run it as {@code java HttpBulkPost.java}.
 *
 * <pre>java scripts/HttpBulkPost.java URL MESSAGES BATCH CONNECTIONS BODY_BYTES [TOKEN_FILE]</pre>
 */
public class HttpBulkPost {
  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: java HttpBulkPost.java URL MESSAGES BATCH CONNECTIONS BODY_BYTES [TOKEN_FILE]");
      System.exit(2);
    }
    URI url = URI.create(args[0]);
    int messages = Integer.parseInt(args[1]);
    int batch = Integer.parseInt(args[2]);
    int connections = Integer.parseInt(args[3]);
    int bodyBytes = Integer.parseInt(args[4]);
    String token = args.length > 5 ? Files.readString(Path.of(args[5])).lines().findFirst().orElse("").strip() : null;
    if (messages % batch != 0) {
      System.err.println("MESSAGES must be a multiple of BATCH");
      System.exit(2);
    }
    byte[] payload = payload(batch, bodyBytes);
    int requests = messages / batch;
    AtomicInteger next = new AtomicInteger();
    AtomicLong failures = new AtomicLong();
    long[] latencies = new long[requests];
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < connections; c++) {
      // one client each: one keep-alive connection each, requests one after the other on it
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Thread t = new Thread(() -> {
        for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
          HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(payload));
          if (token != null) {
            request.header("Authorization", "Bearer " + token);
          }
          long sent = System.nanoTime();
          try {
            HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            latencies[i] = System.nanoTime() - sent;
            if (r.statusCode() != 202 || ids(r.body()) != batch) {
              if (failures.incrementAndGet() == 1) {
                System.err.println("HttpBulkPost: answer " + r.statusCode() + ": " + r.body().lines().findFirst().orElse(""));
              }
            }
          } catch (Exception e) {
            if (failures.incrementAndGet() == 1) {
              System.err.println("HttpBulkPost: " + e);
            }
          }
        }
      }, "post-" + c);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(latencies);
    System.out.printf("{\"messages\":%d,\"batch\":%d,\"connections\":%d,\"body_bytes\":%d,\"request_bytes\":%d,"
            + "\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"failures\":%d}%n",
        messages, batch, connections, bodyBytes, payload.length, seconds, messages / seconds,
        latencies[requests / 2] / 1e6, latencies[(int) Math.min(requests - 1, Math.ceil(requests * 0.99) - 1)] / 1e6,
        latencies[requests - 1] / 1e6, failures.get());
    System.exit(failures.get() == 0 ? 0 : 1);
  }

  /** One array of {@code batch} messages whose bodies are {@code bodyBytes} ASCII characters each. */
  static byte[] payload(int batch, int bodyBytes) {
    StringBuilder json = new StringBuilder(batch * (bodyBytes + 16)).append('[');
    for (int i = 0; i < batch; i++) {
      String prefix = "m" + i + "-";
      json.append(i == 0 ? "" : ",").append("{\"body\":\"").append(prefix)
          .append("x".repeat(Math.max(0, bodyBytes - prefix.length()))).append("\"}");
    }
    return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** How many ids an answer {"ids":[...]} holds. */
  static int ids(String body) {
    int open = body.indexOf('[');
    int close = body.lastIndexOf(']');
    if (open < 0 || close <= open + 1) {
      return 0;
    }
    int count = 1;
    for (int i = open + 1; i < close; i++) {
      if (body.charAt(i) == ',') {
        count++;
      }
    }
    return count;
  }
}
