package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** POST /messages of one node over HTTP/1.1, as a client outside the fleet sends it. */
final class MessagesClient {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    /** The error of a refusal: exactly one line of JSON, {"error": "..."}. */
    String error() {
      assertThat(body.lines().count()).as(body).isEqualTo(1);
      assertThat(headers.firstValue("Content-Type")).hasValue("application/json");
      JsonObject json = new JsonObject(body);
      assertThat(json.fieldNames()).containsExactly("error");
      return json.getString("error");
    }
  }

  final int port;
  private final String token;

  private MessagesClient(int port, String token) {
    this.port = port;
    this.token = token;
  }

  /** The client of {@code node}, once it has written its port to {@code portFile}. */
  static MessagesClient of(FleetProcess node, Path portFile, String token) {
    Waits.until(node.name + " to write its HTTP port", Duration.ofSeconds(60), () -> {
      try {
        return !node.alive() || (Files.exists(portFile) && !Files.readString(portFile).isBlank());
      } catch (IOException e) {
        return false;
      }
    });
    assertThat(node.alive()).as(node.logText()).isTrue();
    try {
      return new MessagesClient(Integer.parseInt(Files.readString(portFile).strip()), token);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  MessagesClient withToken(String otherToken) {
    return new MessagesClient(port, otherToken);
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** POST of a JSON body with a Content-Length, and the token if this client has one. */
  Reply post(String json) {
    return send(builder("/messages").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /**
   * The headers of a POST declaring {@code length} bytes and {@code Expect: 100-continue}, and no
   * body: what the node answers before it has read anything (the status line and the body). On a
   * socket: JDK 17's HttpClient hangs when the answer to Expect is not 100 (JDK-8286171).
   */
  String postHeadersExpectingContinue(long length) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /messages HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return answer(socket);
    }
  }

  /** POST of {@code bytes} without a Content-Length (chunked): the node can only count as they come. */
  Reply postChunked(byte[] bytes) {
    Supplier<InputStream> stream = () -> new ByteArrayInputStream(bytes);
    return send(builder("/messages").POST(HttpRequest.BodyPublishers.ofInputStream(stream)));
  }

  Reply request(String method, String path, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  Reply get(String path) {
    return request("GET", path, null, null);
  }

  /**
   * A POST written on a socket, for what HttpClient will not send (its own Host header). Returns the
   * status line and the body.
   */
  String rawPost(String host, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /messages HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return answer(socket);
    }
  }

  /** Everything the node sends until it closes: the status line, a space and the body. */
  private static String answer(Socket socket) throws IOException {
    String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return answer.lines().findFirst().orElse("") + " " + answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }

  private HttpRequest.Builder builder(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private static Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new AssertionError("no answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
