package dev.redfleet.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.election.Leadership;
import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulated generator, paced, in this JVM against a real Redis. */
class RandomPumpTest extends RedisTestBase {
  private Vertx vertx;

  @AfterEach
  void close() {
    if (vertx != null) {
      TestRedis.await(vertx.close());
    }
  }


  /**
   * At 10,000 messages a second, what is due goes out every PACE_TICK_MS (10 ms) in one produce
   * call of about 100, not every millisecond in calls of 10: 3,000 messages take about 30 calls.
   * The rate still holds: they take about 0.3 s, not the moment a single batch would.
   */
  @Test
  void pacedGenerationProducesWhatIsDueOnceATick() {
    vertx = Vertx.vertx();
    var client = RedisConnector.create(vertx, server.url()).pooled(2);
    var settings = new GeneratorVerticle.Settings(0, 1000, 3000, 1_000_000, 15_000, 10_000, 20, 1_048_576);
    TestRedis.await(vertx.deployVerticle(new GeneratorVerticle(new Scripts(client), new Keys("test"), settings,
        NodeMetrics.OFF, null)));
    redis.call("SET", redis.keys.leader(), "a:1", "PX", 60_000);
    long before = redis.scriptCalls();
    long started = System.nanoTime();
    vertx.eventBus().publish(Leadership.ADDRESS, new Leadership(true, 1, "a:1").toJson());
    Waits.until("3,000 messages", Duration.ofSeconds(10), () -> redis.number("LLEN", redis.keys.queue()) == 3000);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    long calls = redis.scriptCalls() - before;
    // the rate: 3,000 at 10,000/s is 300 ms, less the first tick's message
    assertThat(tookMs).as("ms to produce 3,000 at 10,000/s").isGreaterThanOrEqualTo(250);
    // 1 ms ticks made about 270 calls; the floors script and a NOSCRIPT retry add a few. Fewer than
    // 30 is fine: a tick that runs late (a loaded machine) carries what came due meanwhile
    assertThat(calls).as("script calls to produce 3,000 at 10,000/s").isLessThanOrEqualTo(45);
  }
}
