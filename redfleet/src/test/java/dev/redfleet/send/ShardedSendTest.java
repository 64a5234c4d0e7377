package dev.redfleet.send;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.errors.ErrorRequeuer;
import dev.redfleet.errors.ErrorsVerticle;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Sending into a sharded namespace on a real Redis: calls without keys rotate over the shards, a
 * key always lands on its shard (its dedup too), the ids are fleet-wide; an error entry is requeued
 * into its own shard, named by its fleet-wide id.
 */
class ShardedSendTest extends RedisTestBase {
  private final Shards shards = new Shards(new Keys("test"), 3);

  private Sender sender() {
    return new Sender(new Scripts(redis.client()), shards, 1024, 60_000);
  }

  private static NewMessage keyed(String body, String key) {
    return new NewMessage(body, new SendOptions().setKey(key));
  }

  @Test
  void callsRotateOverTheShardsAndEachIdNamesItsShard() {
    Sender sender = sender();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.addAll(TestRedis.await(sender.sendAll(List.of(NewMessage.of("m" + i)))));
    }
    assertThat(new HashSet<>(ids)).hasSize(6);
    for (int s = 0; s < 3; s++) {
      Keys shard = shards.shard(s);
      assertThat(redis.number("LLEN", shard.queue())).as("shard " + s).isEqualTo(2);
      // each shard's own ids, gap-free, in the entries; the sender saw the fleet-wide ones
      List<String> raw = redis.call("LRANGE", shard.queue(), 0, -1).stream().map(Object::toString).toList();
      Set<Long> locals = new HashSet<>();
      raw.forEach(r -> locals.add(json(r).getLong("id")));
      assertThat(locals).containsExactlyInAnyOrder(1L, 2L);
    }
    for (long id : ids) {
      int s = shards.shardOf(id);
      assertThat(redis.number("GET", shards.shard(s).seq())).isGreaterThanOrEqualTo(shards.localId(id));
    }
    assertThat(redis.number("EXISTS", redis.keys.queue())).as("the namespace's own queue").isZero();
  }

  @Test
  void aKeysMessagesAndItsDedupStayOnItsShard() {
    Sender sender = sender();
    int home = shards.shardOfKey("order-7");
    List<Long> first = TestRedis.await(sender.sendAll(List.of(keyed("a", "order-7"), NewMessage.of("free"))));
    List<Long> again = TestRedis.await(sender.sendAll(List.of(keyed("a again", "order-7"))));
    assertThat(shards.shardOf(first.get(0))).isEqualTo(home);
    // the dedup key answers with the first id, fleet-wide, and adds nothing
    assertThat(again).containsExactly(first.get(0));
    assertThat(redis.number("LLEN", shards.shard(home).queue())).isGreaterThanOrEqualTo(1);
    assertThat(redis.number("EXISTS", shards.shard(home).dedup("order-7"))).isEqualTo(1);
  }

  @Test
  void anErrorIsRequeuedIntoItsOwnShardNamedByItsFleetWideId() {
    Keys shard = shards.shard(2);
    redis.call("SET", shard.seq(), "4");
    String entry = "{\"id\":4,\"epoch\":1,\"ts\":5,\"body\":\"b\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}";
    redis.call("LPUSH", shard.errors(), entry);
    long global = shards.globalId(2, 4);
    assertThat(ErrorsVerticle.fleetWide(entry, local -> shards.globalId(2, local))).startsWith("{\"id\":" + global + ",");
    // --id names the fleet-wide id: the local 4 of another shard is not it
    ErrorRequeuer.Result none = TestRedis.await(new ErrorRequeuer(new Scripts(redis.client()), shard, 10, Set.of(4L),
        local -> shards.globalId(2, local)).run());
    assertThat(none.requeued()).isZero();
    ErrorRequeuer.Result one = TestRedis.await(new ErrorRequeuer(new Scripts(redis.client()), shard, 10, Set.of(global),
        local -> shards.globalId(2, local)).run());
    assertThat(one.requeued()).isEqualTo(1);
    assertThat(redis.number("LLEN", shard.errors())).isZero();
    JsonObject requeued = json(redis.string("RPOP", shard.queue()));
    assertThat(requeued.getLong("id")).isEqualTo(5);
    assertThat(requeued.getJsonObject("headers").getString(ErrorRequeuer.REQUEUED_FROM)).isEqualTo(Long.toString(global));
  }
}
