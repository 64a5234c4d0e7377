package dev.redfleet.redis;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.store.DeliveryStore;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the node holds, as its runner sees claims and finishes go by: each claimed delivery until
 * its outcome is recorded, named "token|index" for the stranded check.
 */
class HoldingsTest extends RedisTestBase {
  private static final String NODE = "w1";
  private static final String TOKEN = "1.1:1";

  @Test
  void aDeliveryIsHeldFromItsClaimUntilItsFinishWhateverFormTheIndexTakes() {
    Holdings holdings = new Holdings();
    Scripts node = fiveClaimed(holdings);
    assertThat(holdings.size()).isEqualTo(5);

    // an index past what an int holds names no delivery: it must not wrap onto index 1
    finish(node, List.of(TOKEN, 4_294_967_297L, 1, ""));
    assertThat(holdings.size()).isEqualTo(5);

    // the worker sends index and attempt as numbers; a finish written by hand, as text
    finish(node, List.of(TOKEN, 1, 1, "", TOKEN, 2, 1, "boom", TOKEN, "3", "1", ""));
    assertThat(holdings.size()).isEqualTo(2);
    assertThat(named(holdings)).containsExactlyInAnyOrder(TOKEN + "|4", TOKEN + "|5");
    // an outcome of a delivery not held (finished already, or never claimed) changes nothing
    finish(node, List.of(TOKEN, 1, 1, "", "other:9", 1, 1, ""));
    assertThat(holdings.size()).isEqualTo(2);

    finish(node, List.of(TOKEN, 4, 1, "", TOKEN, 5, 1, ""));
    assertThat(holdings.size()).isZero();
    assertThat(named(holdings)).isEmpty();
    assertThat(redis.number("HLEN", redis.keys.inflight(NODE))).as("the record is gone in Redis too").isZero();
  }

  @Test
  void packedOutcomesReleaseEachDeliveryTheyName() {
    Holdings holdings = new Holdings();
    Scripts node = fiveClaimed(holdings);
    // as the worker's store sends them: the three successes go as one packed quadruple
    List<Object> quadruples = List.of(TOKEN, 1, 1, "", TOKEN, 3, 1, "", TOKEN, 4, 1, "");
    assertThat(FinishOutcomes.pack(quadruples)).hasSize(4);
    TestRedis.await(new DeliveryStore(node, redis.keys, NODE).finish(new DeliveryStore.RetryPolicy(1, 1000, 60_000), 7, quadruples));
    assertThat(holdings.size()).isEqualTo(2);
    assertThat(named(holdings)).containsExactlyInAnyOrder(TOKEN + "|2", TOKEN + "|5");
  }

  /** Messages 1..5 queued and claimed under TOKEN by a runner that reports to {@code holdings}. */
  private Scripts fiveClaimed(Holdings holdings) {
    redis.call("SET", redis.keys.seq(), 5);
    for (long id = 1; id <= 5; id++) {
      redis.call("LPUSH", redis.keys.queue(), entry(id, 0, 1700000000000L, 1, "b" + id));
    }
    Scripts node = new Scripts(redis.client(), 0, 1000, new Floors(redis.keys, Floors.Settings.node(NODE, 250, 3000)), holdings);
    TestRedis.await(node.run(Script.CLAIM, redis.keys.claim(NODE), List.of(NODE, 5, 0, TOKEN)));
    return node;
  }

  private void finish(Scripts node, List<Object> quadruples) {
    List<Object> args = new ArrayList<>(List.of(NODE, 1, 1000, 60_000, 7));
    args.addAll(quadruples);
    TestRedis.await(node.run(Script.FINISH, redis.keys.finish(NODE), args));
  }

  /** The deliveries the stranded check would keep. */
  private List<String> named(Holdings holdings) {
    List<String> keep = new ArrayList<>();
    TestRedis.await(holdings.requeueStranded(redis.vertx(), names -> {
      keep.addAll(names);
      return Future.succeededFuture(0L);
    }));
    return keep;
  }
}
