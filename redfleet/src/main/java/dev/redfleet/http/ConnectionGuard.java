package dev.redfleet.http;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's HTTP port from being held by clients that never finish or never leave: a
 * connection that sends or receives nothing for {@code idleTimeoutMs} is closed (a request whose
 * headers stop half way, an idle keep-alive connection), and at most {@code maxConnections}
 * connections that have made a request are open at once (one more is closed unanswered).
 *
 * <p>Vert.x 5 tells a server about an HTTP/1.1 connection only once its first request's headers
 * are complete, so the cap counts connections from then on; one that never completes a request is
 * bounded by the idle timeout alone (2,000 half-sent requests are all closed {@code idleTimeoutMs}
 * after their last byte). Runs on the server's event loop, like its handlers.
 */
public final class ConnectionGuard {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  /** The limits; {@link #DEFAULTS} is what a node uses. */
  public record Limits(long idleTimeoutMs, int maxConnections) {
    public static final Limits DEFAULTS = new Limits(10_000, 256);
  }

  private final Limits limits;
  private volatile int open;
  private long refused;

  public ConnectionGuard(Limits limits) {
    this.limits = limits;
  }

  /** The server options with the idle timeout set. */
  public HttpServerOptions options() {
    return new HttpServerOptions().setIdleTimeout((int) limits.idleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Installs the connection count on {@code server}. */
  public HttpServer guard(HttpServer server) {
    return server.connectionHandler(this::connected);
  }

  /** Connections open now (that have made a request). */
  public int open() {
    return open;
  }

  private void connected(HttpConnection connection) {
    if (open >= limits.maxConnections()) {
      if (refused++ % 1000 == 0) {
        log.warn("HTTP: {} connections open, the most allowed: one from {} is closed unanswered ({} so far)",
            open, connection.remoteAddress(), refused);
      }
      connection.close();
      return;
    }
    open++;
    connection.closeHandler(v -> open--);
  }
}
