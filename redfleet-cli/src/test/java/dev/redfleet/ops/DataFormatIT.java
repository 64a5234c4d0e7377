package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.store.DataFormat;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A namespace in use by a release of another data format: a node and a one-shot send of this
 * release refuse it before their first write, with exit 2 and one line, and what the namespace
 * holds stays as it was.
 */
class DataFormatIT {
  /** An entry as format 1 wrote it (JSON, as every format before 6): this release must not read or move it. */
  private static final String WAITING = "{\"id\":1,\"epoch\":1,\"ts\":1,\"body\":\"written by the other release\"}";
  private RedisServer server;
  private TestRedis redis;

  @BeforeEach
  void namespaceOfAnotherRelease() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "redfleet");
    redis.call("SET", redis.keys.format(), "1");
    redis.call("SET", redis.keys.seq(), "1");
    redis.call("LPUSH", redis.keys.queue(), WAITING);
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  @Test
  void aNodeAndASendOfThisReleaseRefuseItWithOneLineAndChangeNothing() {
    String expected = "namespace 'redfleet' holds fleet state in data format '1', this release reads and writes format "
        + DataFormat.CURRENT;
    FleetProcess.Result run = FleetProcess.oneShot(List.of("run", "--redis", server.url(), "--node-id", "n1"));
    System.out.println("FIGURE run on a namespace of another data format: exit " + run.exitCode() + ", stderr: "
        + run.stderr().strip());
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
    assertThat(run.stderr().lines().filter(l -> l.startsWith("redfleet: "))).singleElement().asString().contains(expected);
    assertThat(run.stderr()).doesNotContain("\tat ").doesNotContain("Exception");

    FleetProcess.oneShot(List.of("send", "--redis", server.url(), "hello")).assertOneLineError(2, expected);

    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("1");
    assertThat(redis.call("LRANGE", redis.keys.queue(), 0, -1).stream().map(Object::toString).toList())
        .containsExactly(WAITING);
    assertThat(redis.string("GET", redis.keys.seq())).isEqualTo("1");
    assertThat(redis.number("EXISTS", redis.keys.nodes(), redis.keys.anchors(), redis.keys.dataset())).isZero();
  }
}
