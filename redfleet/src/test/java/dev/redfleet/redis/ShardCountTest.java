package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.store.DataFormat;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import org.junit.jupiter.api.Test;

/** The shard count is recorded with the data format; another count is refused, even on an idle namespace. */
class ShardCountTest extends RedisTestBase {

  private void check(int shards) {
    TestRedis.await(DataFormat.check(new Scripts(redis.client()), redis.keys, "test", shards));
  }

  private void expect(int shards) {
    TestRedis.await(DataFormat.expect(new Scripts(redis.client()), redis.keys, "test", shards));
  }

  @Test
  void oneShardRecordsTheFormatAsEveryReleaseBeforeShards() {
    check(1);
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(Integer.toString(DataFormat.CURRENT));
  }

  @Test
  void aShardedNamespaceRecordsItsCountAndRefusesAnotherOneWithOneLine() {
    check(4);
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(DataFormat.SHARDED + "/4");
    check(4);
    expect(4);
    // idle (no member, nothing in the namespace's own queue): still refused, the shards may hold messages
    for (int other : new int[] {1, 6}) {
      assertThatThrownBy(() -> check(other)).isInstanceOf(DataFormat.MismatchException.class)
          .hasMessage("namespace 'test' is laid out in '4' shard(s), this node or command was given --shards " + other
              + " (REDFLEET_SHARDS, 'shards'); give the same count, or use another --namespace");
      assertThatThrownBy(() -> expect(other)).isInstanceOf(DataFormat.MismatchException.class)
          .hasMessageContaining("laid out in '4' shard(s)");
    }
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(DataFormat.SHARDED + "/4");
  }

  @Test
  void aOneShardNamespaceRefusesAShardedNodeEvenWhenIdle() {
    check(1);
    assertThatThrownBy(() -> check(3)).isInstanceOf(DataFormat.MismatchException.class)
        .hasMessageContaining("laid out in '1' shard(s)").hasMessageContaining("--shards 3");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(Integer.toString(DataFormat.CURRENT));
  }

  @Test
  void readersCompareOnlyTheShardCountAsTheyNeverRefusedAnotherFormat() {
    redis.call("SET", redis.keys.format(), "2");
    expect(1);
    assertThatThrownBy(() -> expect(2)).isInstanceOf(DataFormat.MismatchException.class)
        .hasMessageContaining("laid out in '1' shard(s)");
    redis.call("SET", redis.keys.format(), "2/3");
    expect(3);
  }

  @Test
  void readersDoNotRecordAnything() {
    expect(5);
    assertThat(redis.string("GET", redis.keys.format())).isNull();
  }

  @Test
  void aShardedNamespaceOfTheLayoutWithoutTheShardsCopiesIsRefusedWhileItHasMembers() {
    // format 4/N: sharded, but the shards read the namespace's members and pause (no copies)
    redis.call("SET", redis.keys.format(), "4/4");
    redis.call("ZADD", redis.keys.nodes(), "1", "old-node");
    assertThatThrownBy(() -> check(4)).isInstanceOf(DataFormat.MismatchException.class)
        .hasMessageContaining("holds fleet state in data format '4/4', this release reads and writes format " + DataFormat.SHARDED + "/4");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("4/4");
    // once no node of it is a member, it takes this release's format
    redis.call("ZREM", redis.keys.nodes(), "old-node");
    check(4);
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(DataFormat.SHARDED + "/4");
  }

  /**
   * An older sharded format is taken over only once every shard is idle: format.lua sees the
   * namespace's own keys, never a shard's queue, whose old-format entries would turn malformed.
   */
  @Test
  void anOlderShardedFormatIsTakenOverOnlyOnceEveryShardIsIdle() {
    Shards shards = new Shards(redis.keys, 4);
    redis.call("SET", redis.keys.format(), "5/4");
    redis.call("LPUSH", shards.shard(2).queue(), "{\"id\":1,\"epoch\":1,\"body\":\"old\"}");
    assertThatThrownBy(() -> check(4)).isInstanceOf(DataFormat.MismatchException.class)
        .hasMessageContaining("holds fleet state in data format '5/4'");
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("5/4");
    redis.call("DEL", shards.shard(2).queue());
    redis.call("ZADD", shards.shard(3).delayed(), "1", "{\"id\":2,\"epoch\":0,\"body\":\"later\"}");
    assertThatThrownBy(() -> check(4)).isInstanceOf(DataFormat.MismatchException.class);
    redis.call("DEL", shards.shard(3).delayed());
    redis.call("ZADD", shards.shard(1).members(), "1", "old-node");
    assertThatThrownBy(() -> check(4)).isInstanceOf(DataFormat.MismatchException.class);
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo("5/4");
    // drained
    redis.call("DEL", shards.shard(1).members());
    check(4);
    assertThat(redis.string("GET", redis.keys.format())).isEqualTo(DataFormat.SHARDED + "/4");
  }
}
