package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.Waits;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseScriptsTest extends RedisTestBase {

  private Response acquire(String node, long leaseMs) {
    return redis.run(Script.ACQUIRE_LEASE, List.of(redis.keys.leader(), redis.keys.epoch()), List.of(node, leaseMs));
  }

  private long renew(String token, long leaseMs) {
    return redis.run(Script.RENEW_LEASE, List.of(redis.keys.leader()), List.of(token, leaseMs)).toLong();
  }

  private long release(String token) {
    return redis.run(Script.RELEASE_LEASE, List.of(redis.keys.leader()), List.of(token)).toLong();
  }

  @Test
  void firstAcquirerGetsEpochOneAndOthersSeeTheHolder() {
    Response first = acquire("a", 2000);
    assertThat(first.get(0).toInteger()).isEqualTo(1);
    assertThat(first.get(1).toLong()).isEqualTo(1);
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("a:1");
    assertThat(redis.number("PTTL", redis.keys.leader())).isBetween(1L, 2000L);

    Response second = acquire("b", 2000);
    assertThat(second.get(0).toInteger()).isZero();
    assertThat(second.get(1).toString()).isEqualTo("a:1");
    assertThat(redis.number("GET", redis.keys.epoch())).isEqualTo(1);
  }

  @Test
  void renewExtendsOnlyTheHoldersToken() {
    acquire("a", 500);
    assertThat(renew("a:1", 5000)).isEqualTo(1);
    assertThat(redis.number("PTTL", redis.keys.leader())).isGreaterThan(4000);
    assertThat(renew("b:1", 5000)).isZero();
    // the same node under an older epoch is a different token: fenced too
    assertThat(renew("a:0", 5000)).isZero();
  }

  @Test
  void expiredLeaseCannotBeRenewedAndGoesToTheNextAcquirerWithANewEpoch() {
    acquire("a", 100);
    Waits.until("lease expiry", java.time.Duration.ofSeconds(5), () -> redis.string("GET", redis.keys.leader()) == null);
    assertThat(renew("a:1", 2000)).isZero();
    Response b = acquire("b", 2000);
    assertThat(b.get(0).toInteger()).isEqualTo(1);
    assertThat(b.get(1).toLong()).isEqualTo(2);
    assertThat(renew("a:1", 2000)).isZero();
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("b:2");
  }

  @Test
  void releaseDeletesOnlyTheHoldersLease() {
    acquire("a", 2000);
    assertThat(release("b:1")).isZero();
    assertThat(redis.string("GET", redis.keys.leader())).isEqualTo("a:1");
    assertThat(release("a:1")).isEqualTo(1);
    assertThat(redis.string("GET", redis.keys.leader())).isNull();
    assertThat(acquire("b", 2000).get(1).toLong()).isEqualTo(2);
  }
}
