package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import dev.redfleet.testing.Waits;
import org.junit.jupiter.api.Test;

/**
 * A call whose connection Redis closes under it fails with an error that looks like a Redis error
 * reply (the client's ErrorType) but is no answer: {@link RedisFailures#connectionLost} tells them
 * apart, so the HTTP endpoints answer 503 (unreachable, retry), not 500 (refused).
 */
class ConnectionLostTest extends RedisTestBase {
  @Test
  void aCallWhoseConnectionIsClosedUnderItIsLostNotRefused() {
    Vertx vertx = Vertx.vertx();
    try {
      RedisConnection connection = TestRedis.await(Redis.createClient(vertx, server.url()).connect());
      AtomicReference<Throwable> failure = new AtomicReference<>();
      connection.send(Request.cmd(Command.BLPOP).arg("nothing-here").arg(30))
          .onFailure(failure::set);
      Waits.until("the BLPOP blocked", Duration.ofSeconds(5), () -> redis.string("CLIENT", "LIST").contains("cmd=blpop"));
      redis.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
      Waits.until("the BLPOP failed", Duration.ofSeconds(5), () -> failure.get() != null);
      assertThat(failure.get()).as("the client's failure is shaped as an error reply").isInstanceOf(Response.class);
      assertThat(RedisFailures.connectionLost(failure.get())).isTrue();
    } finally {
      TestRedis.await(vertx.close());
    }
    // a real error reply is not a lost connection
    Throwable refused = new RuntimeException("WRONGTYPE Operation against a key holding the wrong kind of value");
    assertThat(RedisFailures.connectionLost(refused)).isFalse();
  }
}
