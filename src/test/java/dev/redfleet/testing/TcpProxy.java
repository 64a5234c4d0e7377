package dev.redfleet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on loopback that a test can cut and heal, to put a network partition between one
 * node and Redis. A cut is a black hole, as in a real partition: connections stay open, bytes are
 * held (not delivered, not refused) until the link heals, new connections wait.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean closed;

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
      sockets.add(client);
      sockets.add(upstream);
      pump(client, upstream);
      pump(upstream, client);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          waitWhileCut();
          out.write(buffer, 0, n);
          out.flush();
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
