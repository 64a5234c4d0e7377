package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * In a sharded namespace every script a shard runs names keys of that shard's slot only: a Redis
 * Cluster refuses a script whose keys span slots (CROSSSLOT). Fleet-wide state a shard's scripts
 * read (members, pause, the epoch a message may carry) has a copy under the shard's tag.
 */
class ShardSlotsTest {
  private static final String NODE = "n1";

  private static Map<String, List<String>> keyLists(Keys k) {
    Map<String, List<String>> lists = new LinkedHashMap<>();
    lists.put("claim", k.claim(NODE));
    lists.put("finish", k.finish(NODE));
    lists.put("finish-claim", k.finishClaim(NODE));
    lists.put("requeue-node", k.requeueNode(NODE));
    lists.put("leave / forget-left", k.leave(NODE));
    lists.put("produce (fenced)", k.produceFenced());
    lists.put("send", k.send());
    lists.put("retry-due", k.retryDue());
    lists.put("status", k.status());
    lists.put("requeue-stranded", k.requeueStranded(NODE));
    lists.put("requeue-error", k.requeueError());
    lists.put("delete-error", k.deleteError());
    lists.put("floors", k.floors());
    lists.put("reserve", k.reserve());
    return lists;
  }

  @Test
  void everyScriptOfAShardNamesKeysOfItsOwnSlotOnly() {
    Shards shards = new Shards(new Keys("ns"), 6);
    for (Keys shard : shards.all()) {
      String tag = shard.dataPrefix().substring(1, shard.dataPrefix().length() - 2);
      keyLists(shard).forEach((script, keys) -> {
        for (String key : keys) {
          assertThat(key).as(script + " of shard " + tag).startsWith(shard.dataPrefix());
        }
      });
      assertThat(shard.members()).isNotEqualTo(shard.nodes()).startsWith(shard.dataPrefix());
      assertThat(shard.shardPaused()).isNotEqualTo(shard.paused()).startsWith(shard.dataPrefix());
    }
  }

  @Test
  void withOneShardTheShardsKeysAreTheNamespacesOwn() {
    Keys keys = new Keys("ns");
    assertThat(keys.sharded()).isFalse();
    assertThat(keys.members()).isEqualTo(keys.nodes());
    assertThat(keys.shardPaused()).isEqualTo(keys.paused());
    assertThat(keys.claim(NODE)).contains(keys.epoch(), keys.nodes(), keys.paused());
    keyLists(keys).forEach((script, list) -> list.forEach(key -> assertThat(key).as(script).startsWith("{ns}:")));
    assertThat(keys.status()).contains(keys.leader(), keys.epoch(), keys.dataset());
    assertThat(keys.floors()).containsExactly(keys.dataset(), keys.seq(), keys.epoch(), keys.nodes(), keys.floored(),
        keys.stats());
  }
}
