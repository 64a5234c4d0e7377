package dev.redfleet.shards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shard tags on a real 3-master Redis Cluster made by redis-cli --cluster create: 6 shards sit
 * 2/2/2 on the masters, every data key of a shard in its shard's slot, and a command and a node
 * with an HTTP port of a sharded namespace run there (each script and request in one slot).
 */
class ShardedClusterIT {

  @Test
  void sixShardsSitTwoPerMasterAndASixShardStatusRunsThere() {
    try (ClusterRedis cluster = new ClusterRedis()) {
      Shards shards = new Shards(new Keys("redfleet"), 6);
      Map<Integer, Integer> perMaster = new HashMap<>();
      for (Keys shard : shards.all()) {
        // CLUSTER KEYSLOT and the cluster's own slot map (CLUSTER NODES), not our arithmetic
        long slot = cluster.slotOf(shard.queue());
        for (String key : List.of(shard.seq(), shard.inflight("n1"), shard.errors(), shard.audit(), shard.fence())) {
          assertThat(cluster.slotOf(key)).as(key).isEqualTo(slot);
        }
        assertThat(slot).isEqualTo(Keys.slot(shard.dataPrefix().substring(1, shard.dataPrefix().length() - 2)));
        RedisServer master = cluster.masterOf(shard.queue());
        perMaster.merge(master.port(), 1, Integer::sum);
      }
      assertThat(perMaster).hasSize(3);
      assertThat(perMaster.values()).containsOnly(2);
      System.out.println("FIGURE sharded-cluster shards=6 masters=3 per_master=" + perMaster.values());

      FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--shards", "6", "--redis", cluster.url()));
      assertThat(status.exitCode()).as(status.stderr()).isZero();
      assertThat(new io.vertx.core.json.JsonObject(status.lines().get(status.lines().size() - 1)).getJsonArray("shards"))
          .hasSize(6);

      // a node's HTTP poll (status, its totals, every shard's newest errors) reads each slot on its own
      try (dev.redfleet.testing.Fleet fleet = new dev.redfleet.testing.Fleet(null,
          new dev.redfleet.testing.TestRedis(dev.redfleet.redis.RedisConnectionOptions.parse(cluster.url()), "redfleet"),
          cluster.url(), List.of("--shards", "6", "--source", "none", "--http-port", "0"))) {
        FleetProcess node = fleet.start();
        String url = "http://127.0.0.1:" + dev.redfleet.testing.Http.portOf(node) + "/";
        dev.redfleet.testing.Waits.until("the node healthy (its poll answered)", java.time.Duration.ofSeconds(60),
            () -> dev.redfleet.testing.Http.get(url + "health").status() == 200);
        io.vertx.core.json.JsonObject page = new io.vertx.core.json.JsonObject(dev.redfleet.testing.Http.get(url + "api/status").body());
        assertThat(page.getJsonArray("shards")).hasSize(6);
        assertThat(node.logText()).doesNotContain("CROSSSLOT").doesNotContain("same slot");
      }
    }
  }
}
