package dev.redfleet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw connection to a redis-server under a client name, as a node's anchor is: {@link #identity}
 * is {@code <client id>@<name>}, the form the anchors hash holds. Closing it and waiting until the
 * server no longer lists it plays a process that died.
 */
public final class NamedConnection {
  private final RedisServer server;
  private final Socket socket;
  public final String identity;

  public NamedConnection(RedisServer server, String name) throws IOException {
    this.server = server;
    socket = new Socket("127.0.0.1", server.port());
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    socket.getOutputStream().write(("CLIENT SETNAME " + name + "\r\nCLIENT ID\r\n").getBytes(StandardCharsets.UTF_8));
    assertThat(in.readLine()).isEqualTo("+OK");
    identity = in.readLine().substring(1) + "@" + name;
  }

  /** Closes the connection and waits until the server no longer lists it. */
  public void closeAndWait() throws IOException {
    socket.close();
    String id = identity.substring(0, identity.indexOf('@'));
    try (TestRedis direct = new TestRedis(server.url(), "x")) {
      Waits.until("the connection closes", Duration.ofSeconds(10),
          () -> !direct.string("CLIENT", "LIST", "ID", id).contains("id=" + id + " "));
    }
  }
}
