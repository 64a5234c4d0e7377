package dev.redfleet.redis.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The page's and the node summary's reads through the store, against a real Redis. */
class FiguresStoreTest extends RedisTestBase {

  @Test
  void publishingTotalsReadsEveryNodesTotalsAndTheNewestErrorsInOneCall() {
    FleetStore store = new FleetStore(new Scripts(redis.client()), redis.keys);
    redis.call("HSET", redis.keys.nodeTotals(), "other", "7 2");
    redis.call("LPUSH", redis.keys.errors(), "oldest", "middle", "{\"id\":3}");

    FiguresStore.PageFigures figures = TestRedis.await(store.figures().publishTotals("me", 40, 1, 2));

    assertThat(figures.totals()).containsEntry("other", new FiguresStore.NodeTotals(7, 2))
        .containsEntry("me", new FiguresStore.NodeTotals(40, 1)).hasSize(2);
    assertThat(figures.latestErrors()).extracting(e -> e.entry().text()).containsExactly("{\"id\":3}", "middle");
    assertThat(figures.latestErrors()).extracting(FiguresStore.ShardEntry::shard).containsOnly(0);
    assertThat(redis.string("HGET", redis.keys.nodeTotals(), "me")).isEqualTo("40 1");

    TestRedis.await(store.figures().forgetTotals(List.of("me", "other")));
    assertThat(redis.number("EXISTS", redis.keys.nodeTotals())).isZero();
  }

  @Test
  void withShardsTheNewestErrorsOfEveryShardComeNewestFirstWithTheirShard() {
    dev.redfleet.redis.Shards shards = new dev.redfleet.redis.Shards(redis.keys, 3);
    FleetStore store = new FleetStore(new Scripts(redis.client()), shards);
    // each list newest first (LPUSH): shard 0 failed at 10 and 40, shard 1 at 30, shard 2 at 20 and 50
    redis.call("LPUSH", shards.shard(0).errors(), "{\"id\":1,\"error\":\"x\",\"at\":10}", "{\"id\":2,\"error\":\"x\",\"at\":40}");
    redis.call("LPUSH", shards.shard(1).errors(), "{\"id\":1,\"headers\":{\"at\":\"99\"},\"body\":\"\\\"at\\\":77,\",\"at\":30}");
    redis.call("LPUSH", shards.shard(2).errors(), "{\"id\":1,\"at\":20}", "{\"id\":2,\"at\":50}", "not json");

    FiguresStore.PageFigures figures = TestRedis.await(store.figures().publishTotals("me", 1, 0, 4));

    // the entry without an "at" counts as oldest; a body's or header's "at" is not the entry's
    assertThat(figures.latestErrors()).extracting(e -> e.shard() + ":" + FiguresStore.at(e.entry().text()))
        .containsExactly("2:50", "0:40", "1:30", "2:20");
    assertThat(figures.totals()).containsEntry("me", new FiguresStore.NodeTotals(1, 0));
  }

  @Test
  void totalsNotInThePublishedFormFailTheRead() {
    FleetStore store = new FleetStore(new Scripts(redis.client()), redis.keys);
    redis.call("HSET", redis.keys.nodeTotals(), "hand", "lots");

    assertThatThrownBy(() -> TestRedis.await(store.figures().publishTotals("me", 1, 0, 5)))
        .isInstanceOf(NumberFormatException.class).hasMessageContaining("lots");
  }

  @Test
  void heartbeatsHandlersAndTheProducedCounterAreReadAsTheyAreStored() {
    FleetStore store = new FleetStore(new Scripts(redis.client()), redis.keys);
    assertThat(TestRedis.await(store.figures().produced())).isEqualTo(-1);
    assertThat(TestRedis.await(store.lease().leaderValue())).isNull();

    redis.call("ZADD", redis.keys.nodes(), 1500, "a", 2500, "b");
    redis.call("HSET", redis.keys.handlers(), "a", "simulated", "gone", "x.Y");
    redis.call("HSET", redis.keys.stats(), "produced", "12");
    redis.call("SET", redis.keys.leader(), "a:4");

    assertThat(TestRedis.await(store.nodes().heartbeats())).isEqualTo(Map.of("a", 1500.0, "b", 2500.0));
    assertThat(TestRedis.await(store.nodes().handlers())).isEqualTo(Map.of("a", "simulated", "gone", "x.Y"));
    assertThat(TestRedis.await(store.figures().produced())).isEqualTo(12);
    assertThat(TestRedis.await(store.lease().leaderValue())).isEqualTo("a:4");

    TestRedis.await(store.nodes().forgetHandlers(List.of("gone")));
    assertThat(TestRedis.await(store.nodes().handlers())).isEqualTo(Map.of("a", "simulated"));
  }
}
