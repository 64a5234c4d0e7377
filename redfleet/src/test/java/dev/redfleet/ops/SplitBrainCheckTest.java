package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import org.junit.jupiter.api.Test;

/**
 * The start-up check behind Sentinel reads min-replicas-to-write from a real server's INFO
 * replication: a master without it can keep taking writes (and a second generator) while it is cut
 * off from its replicas. The warning itself is asserted in SentinelFailoverIT.
 */
class SplitBrainCheckTest {

  @Test
  void aMasterWithMinReplicasToWriteIsGuardedAndOneWithoutIsNot() {
    try (RedisServer open = RedisServer.start(); TestRedis r = new TestRedis(open.url(), "x")) {
      assertThat(SplitBrainCheck.guarded(r.string("INFO", "replication"))).isFalse();
    }
    try (RedisServer guarded = RedisServer.start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10");
         TestRedis r = new TestRedis(guarded.url(), "x")) {
      assertThat(SplitBrainCheck.guarded(r.string("INFO", "replication"))).isTrue();
    }
  }
}
