package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard on a real Vert.x HTTP server and real sockets: half-sent requests and idle keep-alive
 * connections are closed after the idle timeout; a connection over the cap is closed unanswered;
 * once connections close, new ones are served.
 */
class ConnectionGuardTest {
  private static final ConnectionGuard.Limits LIMITS = new ConnectionGuard.Limits(1500, 5);
  private static final String REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  private Vertx vertx;
  private HttpServer server;
  private ConnectionGuard guard;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void serve() {
    vertx = Vertx.vertx();
    guard = new ConnectionGuard(LIMITS);
    server = guard.guard(vertx.createHttpServer(guard.options()))
        .requestHandler(request -> request.response().end("ok"))
        .listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    vertx.close().await();
  }

  private Socket connect(String send) throws IOException {
    Socket s = new Socket("127.0.0.1", server.actualPort());
    sockets.add(s);
    s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  /** Reads until the server closes the connection; fails if it is still open after {@code withinMs}. */
  private static String readUntilClosed(Socket s, long withinMs) throws IOException {
    s.setSoTimeout((int) withinMs);
    StringBuilder got = new StringBuilder();
    InputStream in = s.getInputStream();
    byte[] buffer = new byte[4096];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        got.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + withinMs + " ms; got: " + got);
    } catch (IOException reset) {
      // closed by the server: a reset is a close too
    }
    return got.toString();
  }

  /** Reads one answer ("ok" at its end) and leaves the connection open. */
  private static String readAnswer(Socket s) throws IOException {
    s.setSoTimeout(5000);
    StringBuilder got = new StringBuilder();
    byte[] buffer = new byte[4096];
    while (!got.toString().endsWith("ok")) {
      int n = s.getInputStream().read(buffer);
      if (n < 0) {
        throw new AssertionError("closed before an answer; got: " + got);
      }
      got.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
    }
    return got.toString();
  }

  @Test
  void halfSentRequestsAreClosedAfterTheIdleTimeout() throws Exception {
    List<Socket> half = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      half.add(connect("GET / HTTP/1.1\r\nHost: x\r\n"));
    }
    long start = System.nanoTime();
    for (Socket s : half) {
      assertThat(readUntilClosed(s, 10_000)).isEmpty();
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("closed by the idle timeout").isGreaterThanOrEqualTo(LIMITS.idleTimeoutMs() - 100);
  }

  @Test
  void aConnectionOverTheCapIsClosedUnansweredAndAnIdleOneAfterTheIdleTimeout() throws Exception {
    List<Socket> kept = new ArrayList<>();
    for (int i = 0; i < LIMITS.maxConnections(); i++) {
      Socket s = connect(REQUEST);
      assertThat(readAnswer(s)).startsWith("HTTP/1.1 200");
      kept.add(s);
    }
    assertThat(guard.open()).isEqualTo(LIMITS.maxConnections());
    assertThat(readUntilClosed(connect(REQUEST), 5000)).as("over the cap: closed unanswered").isEmpty();
    // the kept-alive ones go once idle; then there is room again
    for (Socket s : kept) {
      assertThat(readUntilClosed(s, 10_000)).isEmpty();
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (guard.open() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(guard.open()).isZero();
    assertThat(readAnswer(connect(REQUEST))).startsWith("HTTP/1.1 200");
  }
}
