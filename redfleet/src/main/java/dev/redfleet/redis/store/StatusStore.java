package dev.redfleet.redis.store;

import dev.redfleet.redis.HashReply;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet as the {@code status} command, the page and the demo see it: status.lua's one atomic
 * snapshot, decoded into a {@link Snapshot}.
 */
public final class StatusStore {
  private final Scripts scripts;
  private final Keys keys;

  StatusStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /**
   * A node as the snapshot found it.
   *
   * @param node its id
   * @param lastSeenMs its last heartbeat (Redis time, ms)
   * @param held the messages it holds: landed by its BLMOVE and in its in-flight record
   */
  public record Member(String node, long lastSeenMs, long held) {}

  /**
   * status.lua's answer.
   *
   * @param redisTimeMs the Redis clock when the snapshot was taken
   * @param leader the leader key's value as it is (null: none), a lease or not
   * @param leaderTtlMs its PTTL (-2 without a leader)
   * @param epoch the last epoch handed out
   * @param lastId seq: the last id handed out
   * @param queue messages queued
   * @param errors entries in the errors list
   * @param members every node in the members, in their order
   * @param counters the stats hash's fields and values as Redis holds them (text: a field may hold
   *     what someone else wrote)
   * @param audited ids whose outcome is recorded
   * @param delayed retries waiting for their due time
   * @param paused the pause key's value, null while the fleet is not paused
   * @param dataset the dataset hash's fields (empty until a node has checked it)
   */
  public record Snapshot(long redisTimeMs, String leader, long leaderTtlMs, long epoch, long lastId, long queue, long errors,
                         List<Member> members, Map<String, String> counters, long audited, long delayed, String paused,
                         Map<String, String> dataset) {}

  /** status: one consistent snapshot of the fleet (it changes nothing). */
  public Future<Snapshot> snapshot() {
    // a node's landing list and in-flight record are data keys: under the shard's tag with shards
    return scripts.run(Script.STATUS, keys.status(), List.of(keys.dataPrefix())).map(StatusStore::snapshot);
  }

  /**
   * A sharded namespace as one snapshot: queue, errors, ids handed out (lastId: the sum of the
   * shards' seq), audited, delayed, each node's held messages and the counters added up over the
   * shards and the namespace's own counters (floors.lua's); the lease, epoch, pause, dataset and
   * each member's last heartbeat from the namespace's own snapshot ({@code fleet}). A node that holds messages in a shard but is no longer a member
   * of the namespace is listed too. Each snapshot is atomic, their sum is not: they are taken side
   * by side, each in its own slot.
   */
  public static Snapshot combined(Snapshot fleet, List<Snapshot> shards) {
    long lastId = 0;
    long queue = 0;
    long errors = 0;
    long audited = 0;
    long delayed = 0;
    Map<String, Long> held = new LinkedHashMap<>();
    Map<String, Long> seen = new LinkedHashMap<>();
    Map<String, String> counters = new LinkedHashMap<>();
    // the namespace's own counters: what floors.lua counts there (ids_skipped, data_lost)
    fleet.counters().forEach((field, value) -> counters.merge(field, value, StatusStore::added));
    for (Member member : fleet.members()) {
      held.put(member.node(), 0L);
      seen.put(member.node(), member.lastSeenMs());
    }
    for (Snapshot shard : shards) {
      lastId += shard.lastId();
      queue += shard.queue();
      errors += shard.errors();
      audited += shard.audited();
      delayed += shard.delayed();
      for (Member member : shard.members()) {
        held.merge(member.node(), member.held(), Long::sum);
        // a shard's copy of the members: what the namespace's says, when it lists the node
        seen.putIfAbsent(member.node(), member.lastSeenMs());
      }
      shard.counters().forEach((field, value) -> counters.merge(field, value, StatusStore::added));
    }
    List<Member> members = new ArrayList<>();
    held.forEach((node, count) -> members.add(new Member(node, seen.get(node), count)));
    return new Snapshot(fleet.redisTimeMs(), fleet.leader(), fleet.leaderTtlMs(), fleet.epoch(), lastId, queue, errors,
        members, counters, audited, delayed, fleet.paused(), fleet.dataset());
  }

  /** Two counters' values added up; one that is not a number (written by someone else) is kept as it is. */
  private static String added(String a, String b) {
    try {
      return Long.toString(Long.parseLong(a) + Long.parseLong(b));
    } catch (NumberFormatException notANumber) {
      return a.matches("-?[0-9]{1,18}") ? b : a;
    }
  }

  static Snapshot snapshot(Response r) {
    Response leader = r.get(1);
    List<Member> members = new ArrayList<>();
    Response perNode = r.get(7);
    for (int i = 0; i + 3 < perNode.size(); i += 4) {
      members.add(new Member(perNode.get(i).toString(), Math.round(perNode.get(i + 1).toDouble()),
          perNode.get(i + 2).toLong() + perNode.get(i + 3).toLong()));
    }
    Map<String, String> counters = new LinkedHashMap<>();
    Response hash = r.get(8);
    for (int i = 0; i + 1 < hash.size(); i += 2) {
      counters.put(hash.get(i).toString(), hash.get(i + 1).toString());
    }
    // older scripts answered fewer fields: what they lack counts as none
    Response paused = r.size() > 11 ? r.get(11) : null;
    Response dataset = r.size() > 12 ? r.get(12) : null;
    // the leader's PTTL is read only with a leader, as it was before the store
    return new Snapshot(r.get(0).toLong(), leader == null ? null : leader.toString(), leader == null ? -2 : r.get(2).toLong(),
        r.get(3).toLong(),
        r.get(4).toLong(), r.get(5).toLong(), r.get(6).toLong(), members, counters, r.get(9).toLong(),
        r.size() > 10 ? r.get(10).toLong() : 0, paused == null ? null : paused.toString(), HashReply.fields(dataset));
  }
}
