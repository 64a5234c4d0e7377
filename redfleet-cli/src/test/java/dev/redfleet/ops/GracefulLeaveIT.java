package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.TcpProxy;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node leaving gracefully closes its blocking connections and then leaves; a BLMOVE the server
 * serves before it has processed such a close lands a message for a node that is no longer a
 * member. Here the close is made late on purpose: the leaving node talks to Redis through a proxy
 * that closes the server side of a connection 4 s after the node closed its side. A message pushed
 * right after the leave lands in the gone node's landing list; the leader's reaper must return it
 * to the queue once forgetMs has passed, and not leave it stranded there.
 */
class GracefulLeaveIT {
  private static final String PROBE = "graceful-leave-probe";
  private Fleet fleet;
  private TcpProxy proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aMessageABlockingPopLandsAfterTheLeaveGoesBackToTheQueue() throws Exception {
    fleet = new Fleet(List.of("--source", "none", "--workers", "2"));
    proxy = new TcpProxy(fleet.server.port());
    FleetProcess leader = fleet.startJoined();
    fleet.awaitLeader();
    // the leaving node's BLMOVEs wait 30 s: still pending on the server when it leaves
    FleetProcess leaving = fleet.startVia("redis://127.0.0.1:" + proxy.port(), "--block-ms", "30000");
    Waits.until(leaving.name + " to join", Duration.ofSeconds(60),
        () -> fleet.redis.call("HGET", fleet.redis.keys.anchors(), leaving.name) != null);
    Waits.until("the leaving node's workers blocked in BLMOVE", Duration.ofSeconds(30), () -> blocked(true) == 2);
    // paused: the leader's workers stop blocking within their 1 s BLMOVE; the leaving node's stay
    // blocked (the leader's retry mover may wait in a BLMOVE of its own, on the wake list)
    fleet.redis.call("SET", fleet.redis.keys.paused(), "{\"by\":\"GracefulLeaveIT\",\"at\":0}");
    try {
      Waits.until("only the leaving node's workers blocked on the queue", Duration.ofSeconds(30),
          () -> blocked(false) <= 1 && blocked(true) == 2);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; blocked clients now: " + blockedLines(), e);
    }

    proxy.closeUpstreamLate(4000);
    leaving.signal("TERM");
    Waits.until(leaving.name + " to leave", Duration.ofSeconds(30), () -> leaving.logText().contains("left the fleet"));
    fleet.redis.call("LPUSH", fleet.redis.keys.queue(), PROBE);

    // the race, for real: the gone node's BLMOVE took the message after its leave
    Waits.until("the probe to land for the node that left", Duration.ofSeconds(3),
        () -> fleet.redis.number("LLEN", fleet.redis.keys.landing(leaving.name)) == 1);
    assertThat(fleet.redis.call("ZSCORE", fleet.redis.keys.nodes(), leaving.name)).as("no longer a member").isNull();
    assertThat(leaving.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);

    // forgetMs (staleMs 3000 + heartbeatMs 500 + blockMs 1000 + 1000) after the leave, the reaper sweeps it
    long ms = Waits.until("the probe back in the queue", Duration.ofSeconds(30),
        () -> PROBE.equals(fleet.redis.string("LINDEX", fleet.redis.keys.queue(), 0)));
    System.out.println("FIGURE a message landed after a graceful leave went back to the queue " + ms + " ms after it landed");
    assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.landing(leaving.name))).isZero();
    assertThat(fleet.redis.number("ZCARD", fleet.redis.keys.left())).isZero();
    // the reaper logs after its script answered: the line may come a moment after the queue shows it
    String line = "node " + leaving.name + " left, and 1 message(s) landed for it afterwards";
    Waits.until("the leader to log the sweep", Duration.ofSeconds(5), () -> leader.logText().contains(line));
    assertThat(leader.logText()).contains(line);
  }

  private String blockedLines() {
    StringBuilder b = new StringBuilder();
    for (String line : fleet.redis.string("CLIENT", "LIST").split("\r?\n")) {
      if (line.contains(" cmd=blmove ")) {
        b.append('[').append(line.replaceAll(" (fd|age|idle|db|sub|psub|ssub|multi|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem|events|user|redir|resp|laddr)=\\S*", "")).append("] ");
      }
    }
    return b.toString();
  }

  /** Clients blocked in BLMOVE now (flags b): those through the proxy (the leaving node), or the others. */
  private long blocked(boolean proxied) {
    long count = 0;
    for (String line : fleet.redis.string("CLIENT", "LIST").split("\r?\n")) {
      // cmd is the last command a connection ran; flags has b only while it is blocked
      if (!line.contains(" cmd=blmove ") || !line.replaceFirst(".* flags=(\\S*) .*", "$1").contains("b")) {
        continue;
      }
      String addr = line.replaceFirst(".*\\baddr=\\S+:(\\d+) .*", "$1");
      if (addr.matches("\\d+") && proxy.proxied(Integer.parseInt(addr)) == proxied) {
        count++;
      }
    }
    return count;
  }

}
