package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Entries;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /messages against real {@code run} JVMs and a real redis-server: what is accepted lands in
 * Redis as sent (queue, delayed set, dedup key), what is refused is refused with one line of JSON
 * and adds nothing, and the token rules hold with a token from a file, from the environment, and
 * with none. The node is the only one and the generator, which handles nothing with the simulated
 * source: every message sent stays in the queue to be read.
 */
@Timeout(180)
class MessagesEndpointIT {
  /** Small, so the size limits are cheap to cross: requests of 2 x 1024 + 64 KiB bytes at most. */
  private static final int MAX_BODY_BYTES = 1024;
  private static final long MAX_REQUEST_BYTES = MessagesEndpoint.maxRequestBytes(MAX_BODY_BYTES);
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T resource) {
    open.add(resource);
    return resource;
  }

  /** A node of its own namespace on {@code server}, with an HTTP port; the port file tells which. */
  private FleetProcess node(RedisServer server, String name, Map<String, String> env, String... options) {
    List<String> args = new ArrayList<>(List.of("run", "--redis", server.url(), "--node-id", name, "--namespace", name,
        "--interval-ms", "3600000", "--limit", "1", "--workers", "1", "--block-ms", "200",
        "--max-body-bytes", Integer.toString(MAX_BODY_BYTES),
        "--http-port", "0", "--http-port-file", dir.resolve(name + ".port").toString()));
    args.addAll(List.of(options));
    return keep(FleetProcess.start(name, args, env));
  }

  private MessagesClient client(FleetProcess node, String token) {
    return MessagesClient.of(node, dir.resolve(node.name + ".port"), token);
  }

  /**
   * Waits until the node is the generator, and its worker has stopped claiming (a claim already
   * blocking when it was elected ends within --block-ms): from then on, what is sent stays queued.
   */
  private static void awaitGenerator(TestRedis redis) {
    Waits.until("the node to be the generator", Duration.ofSeconds(60), () -> redis.call("GET", redis.keys.leader()) != null);
    Waits.pause(1000);
  }

  /** The queue's entries by id. */
  private static Map<Long, JsonObject> queue(TestRedis redis) {
    Map<Long, JsonObject> byId = new HashMap<>();
    for (Response entry : redis.call("LRANGE", redis.keys.queue(), 0, -1)) {
      JsonObject json = Entries.json(entry.toString());
      byId.put(json.getLong("id"), json);
    }
    return byId;
  }

  private static List<Long> ids(MessagesClient.Reply reply) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    JsonArray ids = new JsonObject(reply.body()).getJsonArray("ids");
    List<Long> out = new ArrayList<>();
    ids.forEach(id -> out.add(((Number) id).longValue()));
    return out;
  }

  @Test
  void loopbackWithoutTokenAcceptsMessagesAsSentAndRefusesBadOnesWithOneLineAndNothingAdded() throws Exception {
    RedisServer server = keep(RedisServer.start());
    FleetProcess node = node(server, "open", Map.of());
    TestRedis redis = keep(new TestRedis(server.url(), "open"));
    MessagesClient http = client(node, null);
    awaitGenerator(redis);

    // one message with headers: 202, and the queue entry carries body and headers as sent
    long one = ids(http.post("{\"body\":\"one \\\"quoted\\\" é\",\"headers\":{\"traceparent\":\"" + TRACEPARENT
        + "\",\"x-tenant\":\"t1\"}}")).get(0);
    JsonObject entry = queue(redis).get(one);
    assertThat(entry.getString("body")).isEqualTo("one \"quoted\" é");
    assertThat(entry.getLong("epoch")).as("sent, not generated").isZero();
    assertThat(entry.getJsonObject("headers").getMap()).containsExactly(Map.entry("traceparent", TRACEPARENT), Map.entry("x-tenant", "t1"));

    // an array: ids in request order, each matching its body in Redis
    List<Long> three = ids(http.post("[{\"body\":\"a0\"},{\"body\":\"a1\"},{\"body\":\"a2\"}]"));
    assertThat(three).hasSize(3).doesNotHaveDuplicates().isSorted();
    Map<Long, JsonObject> queued = queue(redis);
    for (int i = 0; i < 3; i++) {
      assertThat(queued.get(three.get(i)).getString("body")).isEqualTo("a" + i);
    }

    // a key: the second POST returns the first id and adds nothing
    long keyed = ids(http.post("{\"body\":\"first\",\"key\":\"order-42\"}")).get(0);
    long seq = redis.number("GET", redis.keys.seq());
    assertThat(ids(http.post("{\"body\":\"second\",\"key\":\"order-42\"}"))).containsExactly(keyed);
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(seq);
    assertThat(queue(redis).get(keyed).getString("body")).isEqualTo("first");
    assertThat(redis.string("GET", redis.keys.dedup("order-42"))).isEqualTo(Long.toString(keyed));

    // delayMs and at: in the delayed set, due that long after the send or at that time
    List<Long> later = ids(http.post("[{\"body\":\"later\",\"delayMs\":600000},{\"body\":\"new year\",\"at\":\"2031-01-01T00:00:00+01:00\"}]"));
    Map<Long, double[]> delayed = new HashMap<>();
    for (Response member : redis.call("ZRANGE", redis.keys.delayed(), 0, -1)) {
      JsonObject d = Entries.json(member.toString());
      double due = Double.parseDouble(redis.string("ZSCORE", redis.keys.delayed(), member.toString()));
      delayed.put(d.getLong("id"), new double[] {due, d.getLong("sent")});
    }
    assertThat(delayed).containsOnlyKeys(later);
    assertThat(delayed.get(later.get(0))[0] - delayed.get(later.get(0))[1]).isEqualTo(600_000);
    assertThat(delayed.get(later.get(1))[0]).isEqualTo(java.time.Instant.parse("2030-12-31T23:00:00Z").toEpochMilli());
    assertThat(queue(redis)).doesNotContainKeys(later.get(0), later.get(1));

    // refusals: status, one line of JSON naming the problem, nothing added
    long before = redis.number("GET", redis.keys.seq());
    assertThat(http.post("{\"body\":\"x\"").error()).startsWith("bad JSON: ");
    assertThat(http.post("{\"key\":\"k\"}").error()).isEqualTo("body is required");
    assertThat(http.post("{\"body\":42}").error()).isEqualTo("body must be a string (send JSON as a string), got a number");
    assertThat(http.post("{\"body\":\"x\",\"delayMs\":\"soon\"}").error())
        .isEqualTo("delayMs must be a whole number of milliseconds, got a string");
    assertThat(http.post("{\"body\":\"x\",\"headers\":{\"a\":1}}").error()).isEqualTo("headers.a must be a string, got a number");
    assertThat(http.post("{\"body\":\"x\",\"delay\":5}").error()).startsWith("unknown field \"delay\" (known: ");
    String tooLong = "b".repeat(MAX_BODY_BYTES + 1);
    MessagesClient.Reply refused = http.post("[{\"body\":\"fine\"},{\"body\":\"" + tooLong + "\"}]");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.error()).isEqualTo("messages[1]: body is 1025 bytes, more than maxBodyBytes (1024)");
    assertThat(http.post("[{\"body\":\"fine\"},{\"body\":\"x\",\"key\":\"\"}]").error())
        .isEqualTo("messages[1]: key must be 1 to 1024 characters, got 0");
    for (String bad : List.of("{\"body\":\"x\"", "{\"key\":\"k\"}", "{\"body\":42}")) {
      assertThat(http.post(bad).status()).as(bad).isEqualTo(400);
    }

    // too large: declared (refused before it is sent), streamed (counted as it comes), too many messages
    byte[] big = ("{\"body\":\"" + "x".repeat((int) MAX_REQUEST_BYTES) + "\"}").getBytes();
    assertThat(http.postHeadersExpectingContinue(big.length)).isEqualTo("HTTP/1.1 413 Request Entity Too Large "
        + "{\"error\":\"the request body is " + big.length + " bytes, over the limit of " + MAX_REQUEST_BYTES
        + " bytes (2 x maxBodyBytes + 64 KiB): send fewer or smaller messages per request\"}");
    MessagesClient.Reply streamed = http.postChunked(big);
    assertThat(streamed.status()).isEqualTo(413);
    assertThat(streamed.error()).startsWith("the request body is over the limit of " + MAX_REQUEST_BYTES + " bytes");
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i <= MessagesJson.MAX_MESSAGES; i++) {
      many.append(i == 0 ? "" : ",").append("{\"body\":\"m").append(i).append("\"}");
    }
    MessagesClient.Reply tooMany = http.post(many.append(']').toString());
    assertThat(tooMany.status()).isEqualTo(413);
    assertThat(tooMany.error()).isEqualTo("at most 1000 messages per request, got 1001");
    assertThat(ids(http.post(many.toString().replaceFirst("\\{\"body\":\"m0\"},", "")))).hasSize(MessagesJson.MAX_MESSAGES);
    before += MessagesJson.MAX_MESSAGES;

    // other methods, other types, another Host (DNS rebinding)
    MessagesClient.Reply get = http.get("/messages");
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    MessagesClient.Reply text = http.request("POST", "/messages", "text/plain", "{\"body\":\"x\"}");
    assertThat(text.status()).isEqualTo(415);
    assertThat(text.error()).isEqualTo("Content-Type must be application/json");
    assertThat(http.rawPost("evil.example:" + http.port, "{\"body\":\"x\"}")).startsWith("HTTP/1.1 403 ")
        .endsWith("{\"error\":\"without httpToken, POST /messages only accepts Host: localhost or a loopback address\"}");
    assertThat(http.rawPost("localhost:" + http.port, "{\"body\":\"local\"}")).startsWith("HTTP/1.1 202 ");
    before += 1;
    assertThat(redis.number("GET", redis.keys.seq())).as("refused requests add nothing").isEqualTo(before);

    // the GET endpoints are as they were
    assertThat(http.get("/metrics").status()).isEqualTo(200);
    assertThat(http.get("/api/status").status()).isEqualTo(200);
  }

  @Test
  void aTokenFromAFileIsRequiredNeverShownAndRedisDownIs503() throws Exception {
    String token = "file-tok-" + Long.toHexString(System.nanoTime());
    Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
    RedisServer server = keep(RedisServer.start());
    FleetProcess node = node(server, "filetoken", Map.of(), "--http-token-file", tokenFile.toString());
    TestRedis redis = keep(new TestRedis(server.url(), "filetoken"));
    MessagesClient anonymous = client(node, null);

    MessagesClient.Reply none = anonymous.post("{\"body\":\"x\"}");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(none.error()).isEqualTo("missing Authorization: Bearer <httpToken>");
    MessagesClient.Reply wrong = anonymous.withToken(token + "0").post("{\"body\":\"x\"}");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.error()).isEqualTo("wrong bearer token");
    assertThat(anonymous.withToken(token.substring(0, token.length() - 1)).post("{\"body\":\"x\"}").status()).isEqualTo(401);
    assertThat(redis.number("GET", redis.keys.seq())).as("only the generator's message").isLessThanOrEqualTo(1);

    MessagesClient http = anonymous.withToken(token);
    awaitGenerator(redis);
    long id = ids(http.post("{\"body\":\"with token\"}")).get(0);
    assertThat(queue(redis).get(id).getString("body")).isEqualTo("with token");
    assertTokenNeverShown(node, http, token);

    // Redis gone: 503 at once, one line; the node logs the failure once, without the token
    server.kill();
    MessagesClient.Reply down = http.post("{\"body\":\"x\"}");
    assertThat(down.status()).isEqualTo(503);
    assertThat(down.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(down.error()).startsWith("Redis is unreachable: ");
    assertThat(http.post("[{\"body\":\"x\"},{\"body\":\"y\"}]").status()).isEqualTo(503);
    Waits.until("the failure in the log", Duration.ofSeconds(10), () -> node.logText().contains("POST /messages: a send failed"));
    assertThat(node.logText()).doesNotContain(token);
  }

  @Test
  void aTokenFromTheEnvironmentOpensANonLoopbackPort() {
    String token = "env-tok-" + Long.toHexString(System.nanoTime());
    RedisServer server = keep(RedisServer.start());
    FleetProcess node = node(server, "envtoken", Map.of("REDFLEET_HTTP_TOKEN", token), "--http-host", "0.0.0.0");
    TestRedis redis = keep(new TestRedis(server.url(), "envtoken"));
    MessagesClient anonymous = client(node, null);
    assertThat(anonymous.post("{\"body\":\"x\"}").status()).isEqualTo(401);
    assertThat(anonymous.withToken("not-" + token).post("{\"body\":\"x\"}").status()).isEqualTo(401);
    MessagesClient http = anonymous.withToken(token);
    awaitGenerator(redis);
    List<Long> ids = ids(http.post("[{\"body\":\"e0\"},{\"body\":\"e1\"}]"));
    assertThat(ids).hasSize(2);
    assertThat(queue(redis).get(ids.get(1)).getString("body")).isEqualTo("e1");
    assertThat(node.logText()).doesNotContain(PostAccess.NEEDS_TOKEN);
    assertTokenNeverShown(node, http, token);
  }

  @Test
  void withoutTokenANonLoopbackPortRefusesPostsWith403ServesGetsAndWarnsOnce() {
    RedisServer server = keep(RedisServer.start());
    FleetProcess node = node(server, "exposed", Map.of(), "--http-host", "0.0.0.0");
    TestRedis redis = keep(new TestRedis(server.url(), "exposed"));
    MessagesClient http = client(node, null);
    for (int i = 0; i < 3; i++) {
      MessagesClient.Reply refused = http.post("{\"body\":\"x\"}");
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.error()).isEqualTo("POST /messages needs httpToken when the HTTP port is not bound to loopback");
    }
    assertThat(redis.number("GET", redis.keys.seq())).as("only the generator's message").isLessThanOrEqualTo(1);
    Waits.until("the node healthy", Duration.ofSeconds(30), () -> http.get("/health").status() == 200);
    assertThat(http.get("/api/status").status()).isEqualTo(200);
    List<String> warnings = node.logText().lines().filter(l -> l.contains(PostAccess.NEEDS_TOKEN)).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("WARN").contains("0.0.0.0");
  }

  @Test
  void aMissingTokenFileOrTwoTokensEndRunWithOneLineAndExit2() throws Exception {
    String secret = "tok-" + Long.toHexString(System.nanoTime());
    Path missing = dir.resolve("no-such-token");
    FleetProcess.Result noFile = FleetProcess.oneShot(List.of("run", "--redis", "redis://127.0.0.1:1", "--http-port", "0",
        "--http-token-file", missing.toString()));
    noFile.assertOneLineError(2, "cannot read httpTokenFile " + missing + ": no such file");
    Path file = Files.writeString(dir.resolve("token"), secret);
    FleetProcess.Result both = FleetProcess.oneShot(List.of("run", "--redis", "redis://127.0.0.1:1", "--http-port", "0",
        "--http-token-file", file.toString()), Map.of("REDFLEET_HTTP_TOKEN", secret));
    both.assertOneLineError(2, "httpToken and httpTokenFile are both set", secret);
  }

  /** The token appears nowhere the node shows: its log, /metrics, /api/status, /health, the page. */
  private static void assertTokenNeverShown(FleetProcess node, MessagesClient http, String token) {
    Waits.until("a status poll", Duration.ofSeconds(30), () -> http.get("/api/status").body().contains("\"self\""));
    for (String path : List.of("/metrics", "/api/status", "/health", "/")) {
      MessagesClient.Reply reply = http.get(path);
      assertThat(reply.status()).as(path).isIn(200, 503);
      assertThat(reply.body()).as(path).doesNotContain(token);
    }
    assertThat(node.logText()).doesNotContain(token);
  }
}
