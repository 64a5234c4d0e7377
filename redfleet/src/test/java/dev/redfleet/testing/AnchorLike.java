package dev.redfleet.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A live Redis connection named the way a process's anchor is ({@code rf-<run id>-<random>}), to
 * stand for "another live process" in the anchors hash. Alive until closed.
 */
public final class AnchorLike implements AutoCloseable {
  private final Socket socket;
  /** {@code <client id>@<name>}, as a node registers its anchor. */
  public final String identity;

  public AnchorLike(int port, TestRedis redis) throws IOException {
    String info = redis.string("INFO", "server");
    int at = info.indexOf("run_id:") + 7;
    String name = "rf-" + info.substring(at, at + 12) + "-0ther0ther01";
    socket = new Socket("127.0.0.1", port);
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    socket.getOutputStream().write(("CLIENT SETNAME " + name + "\r\nCLIENT ID\r\n").getBytes(StandardCharsets.UTF_8));
    if (!"+OK".equals(in.readLine())) {
      throw new IOException("CLIENT SETNAME refused");
    }
    identity = in.readLine().substring(1) + "@" + name;
  }

  /** Registers this connection for {@code nodeId} and kills that node's own anchor connection. */
  public void takeIdOf(String nodeId, TestRedis redis) {
    String theirs = redis.string("HGET", redis.keys.anchors(), nodeId);
    redis.call("HSET", redis.keys.anchors(), nodeId, identity);
    redis.call("CLIENT", "KILL", "ID", theirs.substring(0, theirs.indexOf('@')));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
