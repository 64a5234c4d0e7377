package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The page's action endpoints on a real Vert.x server and a real Redis (no fleet JVM): the token
 * and loopback rules of POST /messages, and every refusal (400, 401, 403, 405, 409, 413, 415, 422,
 * 500) changing nothing.
 */
class ActionsEndpointTest extends RedisTestBase {
  private static final String TOKEN = "actions-test-token";
  private static final long MAX_BODY = 1024;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private HttpServer withToken;
  private HttpServer loopback;
  private HttpServer closed;

  @BeforeAll
  void startServers() {
    withToken = server(new PostAccess(TOKEN, "0.0.0.0"));
    loopback = server(new PostAccess("", "127.0.0.1"));
    closed = server(new PostAccess("", "0.0.0.0"));
  }

  private HttpServer server(PostAccess access) {
    ActionsEndpoint endpoint = new ActionsEndpoint(new Scripts(redis.client()), dev.redfleet.redis.Shards.one(redis.keys), access, MAX_BODY);
    return redis.vertx().createHttpServer().requestHandler(endpoint::handle).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  void stopServers() {
    for (HttpServer s : List.of(withToken, loopback, closed)) {
      s.close().await();
    }
  }

  private record Reply(int status, String body, String challenge) {
    String error() {
      JsonObject json = new JsonObject(body);
      assertThat(json.fieldNames()).containsExactly("error");
      return json.getString("error");
    }
  }

  private Reply post(HttpServer server, String path, String authorization, String contentType, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r.headers().firstValue("WWW-Authenticate").orElse(null));
  }

  private Reply post(HttpServer server, String path, String body) throws Exception {
    return post(server, path, server == withToken ? "Bearer " + TOKEN : null, "application/json", body);
  }

  private static String failed(long id) {
    return "{\"id\":" + id + ",\"epoch\":1,\"ts\":5,\"body\":\"b" + id + "\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}";
  }

  private static String entry(String entry) {
    return new JsonObject().put("entry", entry).encode();
  }

  @Test
  void theTokenIsNeededWhenSetAndLoopbackRulesOtherwise() throws Exception {
    redis.pushAll(redis.keys.errors(), List.of(failed(1)));
    for (String path : List.of(ActionsEndpoint.PAUSE, ActionsEndpoint.RESUME, ActionsEndpoint.REQUEUE,
        ActionsEndpoint.DELETE, ActionsEndpoint.REQUEUE_ALL)) {
      Reply missing = post(withToken, path, null, "application/json", entry(failed(1)));
      assertThat(missing.status()).as(path).isEqualTo(401);
      assertThat(missing.challenge()).isEqualTo("Bearer realm=\"redfleet\"");
      assertThat(missing.error()).isEqualTo("missing Authorization: Bearer <httpToken>");
      assertThat(post(withToken, path, "Bearer " + TOKEN + "0", "application/json", entry(failed(1))).error())
          .isEqualTo("wrong bearer token");
      Reply refused = post(closed, path, entry(failed(1)));
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.error()).isEqualTo("POST " + path + " needs httpToken when the HTTP port is not bound to loopback");
    }
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(1);
    assertThat(redis.number("EXISTS", redis.keys.paused(), redis.keys.queue())).isZero();

    // tokenless loopback: a Host that is not loopback (DNS rebinding) is refused
    try (Socket socket = new Socket("127.0.0.1", loopback.actualPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /api/pause HTTP/1.1\r\nHost: evil.example:80\r\nContent-Type: application/json\r\n"
          + "Content-Length: 2\r\nConnection: close\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 403")
          .contains("without httpToken, POST /api/pause only accepts Host: localhost or a loopback address");
    }
    assertThat(redis.number("EXISTS", redis.keys.paused())).isZero();

    // the right token, and tokenless loopback
    Reply paused = post(withToken, ActionsEndpoint.PAUSE, "{\"by\":\"alice\"}");
    assertThat(paused.status()).isEqualTo(200);
    JsonObject pause = new JsonObject(paused.body());
    assertThat(pause.getBoolean("paused")).isTrue();
    assertThat(pause.getBoolean("changed")).isTrue();
    assertThat(pause.getString("pausedBy")).isEqualTo("alice");
    assertThat(new JsonObject(post(loopback, ActionsEndpoint.PAUSE, "{}").body()).getBoolean("changed")).isFalse();
    JsonObject resumed = new JsonObject(post(loopback, ActionsEndpoint.RESUME, "").body());
    assertThat(resumed.getBoolean("changed")).isTrue();
    assertThat(resumed.getString("pausedBy")).isEqualTo("alice");
    assertThat(redis.number("EXISTS", redis.keys.paused())).isZero();
    assertThat(new JsonObject(post(loopback, ActionsEndpoint.RESUME, "{}").body()).getBoolean("changed")).isFalse();
  }

  @Test
  void everyRefusalChangesNothing() throws Exception {
    String malformed = "{\"error\":\"malformed\",\"raw\":\"x\",\"node\":\"n\",\"at\":9}";
    redis.pushAll(redis.keys.errors(), List.of(failed(1), malformed));
    assertThat(post(loopback, ActionsEndpoint.REQUEUE, entry(failed(2))).status()).isEqualTo(409);
    assertThat(post(loopback, ActionsEndpoint.DELETE, entry(failed(2))).error()).startsWith("the entry is no longer in the errors list");
    Reply notFailed = post(loopback, ActionsEndpoint.REQUEUE, entry(malformed));
    assertThat(notFailed.status()).isEqualTo(422);
    assertThat(notFailed.error()).startsWith("the entry is malformed, not a failed message");
    assertThat(post(loopback, ActionsEndpoint.DELETE, "{\"entry\":\"x\",\"id\":1}").error())
        .isEqualTo("unknown field \"id\" for /api/errors/delete (known: entry, shard)");
    assertThat(post(loopback, ActionsEndpoint.DELETE, "[1]").status()).isEqualTo(400);
    assertThat(post(loopback, ActionsEndpoint.DELETE, "{}").status()).isEqualTo(400);
    assertThat(post(loopback, ActionsEndpoint.REQUEUE_ALL, "{\"limit\":0}").status()).isEqualTo(400);
    assertThat(post(loopback, ActionsEndpoint.DELETE, null, "text/plain", entry(failed(1))).status()).isEqualTo(415);
    String big = entry("x".repeat((int) (2 * MessagesEndpoint.maxRequestBytes(MAX_BODY))));
    assertThat(post(loopback, ActionsEndpoint.DELETE, big).status()).isEqualTo(413);
    HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + loopback.actualPort()
        + ActionsEndpoint.PAUSE)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(2);
    assertThat(redis.number("EXISTS", redis.keys.paused(), redis.keys.queue(), redis.keys.stats())).isZero();

    // a key of the wrong type: Redis refuses, one line, 500
    redis.call("RPUSH", redis.keys.paused(), "intruder");
    Reply wrongType = post(loopback, ActionsEndpoint.PAUSE, "{}");
    assertThat(wrongType.status()).isEqualTo(500);
    assertThat(wrongType.error()).startsWith("Redis refused POST /api/pause: WRONGTYPE").contains("nothing was changed");

    // and the actions themselves
    Reply all = post(loopback, ActionsEndpoint.REQUEUE_ALL, "{}");
    assertThat(all.status()).isEqualTo(200);
    assertThat(new JsonObject(all.body())).isEqualTo(new JsonObject().put("requeued", 1).put("more", false)
        .put("leftInPlace", new JsonObject().put("malformed", 1)).put("gone", 0));
    assertThat(new JsonObject(post(loopback, ActionsEndpoint.DELETE, entry(malformed)).body()).getInteger("deleted")).isEqualTo(1);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(1);
  }
}
