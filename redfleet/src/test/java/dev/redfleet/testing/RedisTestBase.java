package dev.redfleet.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/** One private redis-server per test class, emptied before every test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RedisTestBase {
  protected RedisServer server;
  protected TestRedis redis;

  @BeforeAll
  void startRedis() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "test");
  }

  @BeforeEach
  void emptyRedis() {
    redis.call("FLUSHALL");
  }

  @AfterAll
  void stopRedis() {
    if (redis != null) {
      redis.close();
    }
    if (server != null) {
      server.close();
    }
  }
}
