package dev.redfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A TCP forwarder on loopback that a test can cut and heal, to put a network partition between one
 * node and Redis. A cut is a black hole, as in a real partition: connections stay open, bytes are
 * held (not delivered, not refused) until the link heals, new connections wait.
 *
 * <p>It can also lose answers ({@link #loseReplies}): after a request it picks, the connection is
 * closed as soon as the server's answer starts to come back, so the request ran and its caller
 * never learns it did (a connection lost at the worst moment).
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  /** Local ports of the proxy's connections to the server: how the server sees the proxied clients. */
  private final java.util.Set<Integer> upstreamPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean closed;
  private volatile Predicate<String> losing;
  private volatile double loseProbability;
  private volatile long upstreamCloseDelayMs;
  private final Random random = new Random(42);
  private final AtomicLong matched = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();

  public TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0);
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  public void cut() {
    cut = true;
  }

  public void heal() {
    synchronized (gate) {
      cut = false;
      gate.notifyAll();
    }
  }

  /**
   * From now on, a client request whose bytes (read as ISO-8859-1, one socket read at a time) match
   * {@code request} has its answer lost with probability {@code probability}: the connection is
   * closed when the next bytes come back from the server, which are not forwarded.
   */
  public void loseReplies(Predicate<String> request, double probability) {
    loseProbability = probability;
    losing = request;
  }

  /**
   * From now on, when a client closes its connection, the proxy closes the server side only
   * {@code delayMs} later: what the client sent before closing is still being served meanwhile, as
   * when a close crosses a slow network or the server is busy.
   */
  public void closeUpstreamLate(long delayMs) {
    upstreamCloseDelayMs = delayMs;
  }

  /** Whether the server's client at {@code port} (the port of its addr in CLIENT LIST) came through this proxy. */
  public boolean proxied(int port) {
    return upstreamPorts.contains(port);
  }

  /** Requests that matched {@link #loseReplies}' predicate so far. */
  public long matched() {
    return matched.get();
  }

  /** Connections closed in place of an answer so far. */
  public long lost() {
    return lost.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Thread setup = new Thread(() -> connect(client), "proxy-connect");
        setup.setDaemon(true);
        setup.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void connect(Socket client) {
    try {
      waitWhileCut();
      Socket upstream = new Socket("127.0.0.1", targetPort);
      upstreamPorts.add(upstream.getLocalPort());
      sockets.add(client);
      sockets.add(upstream);
      AtomicBoolean loseNextReply = new AtomicBoolean();
      pump(client, upstream, loseNextReply, true);
      pump(upstream, client, loseNextReply, false);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to, AtomicBoolean loseNextReply, boolean requests) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          waitWhileCut();
          Predicate<String> rule = losing;
          if (requests && rule != null && rule.test(new String(buffer, 0, n, StandardCharsets.ISO_8859_1))) {
            matched.incrementAndGet();
            boolean lose;
            synchronized (random) {
              lose = random.nextDouble() < loseProbability;
            }
            if (lose) {
              loseNextReply.set(true);
            }
          }
          if (!requests && loseNextReply.get()) {
            // the request ran; its answer (and whatever came with it) never reaches the client
            lost.incrementAndGet();
            closeQuietly(from);
            closeQuietly(to);
            return;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
        long delay = upstreamCloseDelayMs;
        if (requests && delay > 0) {
          Thread.sleep(delay); // the client is gone; the server learns it late
        }
      } catch (IOException | InterruptedException e) {
        // a side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void waitWhileCut() throws InterruptedException {
    synchronized (gate) {
      while (cut && !closed) {
        gate.wait(100);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    heal();
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(TcpProxy::closeQuietly);
  }
}
