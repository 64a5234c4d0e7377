package dev.redfleet.redis.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sharded namespace's status: the namespace's own snapshot and each shard's, as one. */
class StatusStoreTest {

  private static StatusStore.Snapshot shard(long seq, long queue, List<StatusStore.Member> members, Map<String, String> counters) {
    return new StatusStore.Snapshot(5, null, -2, 0, seq, queue, 1, members, counters, seq - queue, 0, "{\"by\":\"copy\"}", Map.of());
  }

  @Test
  void theLeaseEpochPauseAndHeartbeatsComeFromTheNamespaceAndTheFiguresAreTheShardsSum() {
    StatusStore.Snapshot fleet = new StatusStore.Snapshot(7, "n1:4", 1500, 4, 0, 0, 0,
        List.of(new StatusStore.Member("n1", 100, 0)), Map.of("ids_skipped", "5"), 0, 0, "{\"by\":\"ops\"}",
        Map.of("id", "d1"));
    StatusStore.Snapshot a = shard(10, 2, List.of(new StatusStore.Member("n1", 90, 3), new StatusStore.Member("gone", 50, 2)),
        Map.of("processed", "8"));
    StatusStore.Snapshot b = shard(12, 1, List.of(new StatusStore.Member("n1", 95, 1)), Map.of("processed", "11", "x", "text"));

    StatusStore.Snapshot all = StatusStore.combined(fleet, List.of(a, b));

    assertThat(all.leader()).isEqualTo("n1:4");
    assertThat(all.epoch()).isEqualTo(4);
    assertThat(all.paused()).isEqualTo("{\"by\":\"ops\"}");
    assertThat(all.dataset()).containsEntry("id", "d1");
    assertThat(all.lastId()).isEqualTo(22);
    assertThat(all.queue()).isEqualTo(3);
    assertThat(all.errors()).isEqualTo(2);
    assertThat(all.audited()).isEqualTo(19);
    assertThat(all.counters()).containsEntry("processed", "19").containsEntry("ids_skipped", "5").containsEntry("x", "text");
    // the namespace's heartbeat; a node that holds messages in a shard but is no member is listed too
    assertThat(all.members()).containsExactly(new StatusStore.Member("n1", 100, 4), new StatusStore.Member("gone", 50, 2));
  }
}
