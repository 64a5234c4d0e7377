package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's members in Redis: heartbeats, who is silent or left, handing back what a node held
 * (its messages go back to the queue), and the audit's retention.
 *
 * <p>In a sharded namespace a node holds messages in every shard it served, and each shard keeps
 * its own copy of the members ({@link Keys#members}) so that its scripts touch one Redis Cluster
 * slot: a heartbeat is written to the namespace's members, then to each shard's copy. Handing
 * back what a node held runs the script once per shard, the shards after the first one first and
 * shard 0 last, each forgetting the node in its own copy, and then once for the namespace, whose
 * data keys are empty with shards: that last call only changes the membership (forgets the node,
 * replaces its registered connection). Each call is atomic and safe to repeat; a crash between two
 * leaves the node a member of the namespace, so the next pass does the rest (shards done already
 * give back nothing more).
 */
public final class NodeStore {
  private final Scripts scripts;
  private final Keys keys;
  private final Shards shards;

  NodeStore(Scripts scripts, Shards shards) {
    this.scripts = scripts;
    this.keys = shards.fleet();
    this.shards = shards;
  }

  /** The shards whose calls come before shard 0's, in their order (none with one shard). */
  private List<Keys> before() {
    List<Keys> others = new ArrayList<>(shards.all().subList(1, shards.count()));
    java.util.Collections.reverse(others);
    return others;
  }

  /** The shards' calls one after the other, shard 0's last; their answers summed by {@code sum}. */
  private <T> Future<T> eachShard(java.util.function.Function<Keys, Future<T>> call, java.util.function.BinaryOperator<T> sum) {
    Future<T> chain = Future.succeededFuture(null);
    for (Keys shard : before()) {
      chain = chain.compose(soFar -> call.apply(shard).map(r -> soFar == null ? r : sum.apply(soFar, r)));
    }
    return chain.compose(soFar -> call.apply(shards.shard(0)).map(r -> soFar == null ? r : sum.apply(soFar, r)));
  }

  /**
   * {@code eachShard(call, sum)}, then, with shards, {@code membership} once on the
   * namespace's keys, its answer summed last (with one shard the shard is the namespace: its call
   * is the membership's).
   */
  private <T> Future<T> eachShardThenNamespace(java.util.function.Function<Keys, Future<T>> call,
      java.util.function.BinaryOperator<T> sum, java.util.function.Function<Keys, Future<T>> membership) {
    if (shards.count() == 1) {
      return membership.apply(keys);
    }
    return eachShard(call, sum).compose(soFar -> membership.apply(keys).map(r -> sum.apply(soFar, r)));
  }

  /**
   * What requeue-node came to.
   *
   * @param moved messages returned to the queue; -1 the node is alive or unknown, -2 its registered
   *     connection was not the one named (nothing changed)
   * @param forgotten the node was removed from the members
   */
  public record Requeued(long moved, boolean forgotten) {}

  /** heartbeat: {@code nodeId}, running {@code handler}, is alive now (Redis clock); completes with that time in ms. */
  public Future<Long> heartbeat(String nodeId, String handler) {
    Future<Long> beat = scripts.run(Script.HEARTBEAT, List.of(keys.nodes(), keys.handlers()), List.of(nodeId, handler))
        .map(Response::toLong);
    if (shards.count() == 1) {
      return beat;
    }
    // each shard's copy of the members, at the same Redis time, side by side
    return beat.compose(now -> {
      List<Future<?>> copies = new ArrayList<>(shards.count());
      for (Keys shard : shards.all()) {
        copies.add(scripts.send(Request.cmd(Command.ZADD).arg(shard.members()).arg(now).arg(nodeId)));
      }
      return Future.all(copies).map(now);
    });
  }

  /** Drops the handler record of {@code nodeId} (a node that left runs no handler). */
  public Future<Void> forgetHandler(String nodeId) {
    return scripts.send(Request.cmd(Command.HDEL).arg(keys.handlers()).arg(nodeId)).mapEmpty();
  }

  /** Drops the handler records of {@code nodeIds} (nodes no longer in the members). */
  public Future<Void> forgetHandlers(java.util.Collection<String> nodeIds) {
    Request hdel = Request.cmd(Command.HDEL).arg(keys.handlers());
    nodeIds.forEach(hdel::arg);
    return scripts.send(hdel).mapEmpty();
  }

  /** Node id -> the handler it runs, as each node records it with its heartbeat. */
  public Future<Map<String, String>> handlers() {
    return scripts.hash(keys.handlers());
  }

  /** Node id -> its last heartbeat (Redis time, ms), for every member. */
  public Future<Map<String, Double>> heartbeats() {
    return scripts.send(Request.cmd(Command.ZRANGE).arg(keys.nodes()).arg(0).arg(-1).arg("WITHSCORES")).map(nodes -> {
      Map<String, Double> heartbeats = new HashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        Response entry = nodes.get(i);
        if (entry.size() == 2) {
          // RESP3: a list of [member, score] pairs
          heartbeats.put(entry.get(0).toString(), entry.get(1).toDouble());
        } else if (i + 1 < nodes.size()) {
          // RESP2: member, score, member, score...
          heartbeats.put(entry.toString(), nodes.get(++i).toDouble());
        }
      }
      return heartbeats;
    });
  }

  /** leave: {@code nodeId} leaves the fleet; completes with how many of its messages went back to the queue. */
  public Future<Long> leave(String nodeId) {
    java.util.function.Function<Keys, Future<Long>> call =
        shard -> scripts.run(Script.LEAVE, shard.leave(nodeId), List.of(nodeId)).map(Response::toLong);
    if (shards.count() == 1) {
      return call.apply(keys);
    }
    // the shards say the node left (each sweeps once more for a late BLMOVE); then the namespace forgets it
    return eachShard(call, Long::sum).compose(moved -> scripts.send(Request.cmd(Command.ZREM).arg(keys.nodes())
        .arg(nodeId)).map(moved));
  }

  /** stale-nodes: at most {@code max} members silent longer than {@code silentMs}, most silent first. */
  public Future<List<String>> silentNodes(long silentMs, int max) {
    return scripts.run(Script.STALE_NODES, List.of(keys.nodes()), List.of(silentMs, max)).map(NodeStore::ids);
  }

  /** stale-nodes on the nodes that left: at most {@code max} that left longer than {@code ms} ago. */
  public Future<List<String>> leftLongerThan(long ms, int max) {
    // shard 0's: its leave and its forget-left come last of a node's, so it lists the node until all are done
    return scripts.run(Script.STALE_NODES, List.of(shards.shard(0).left()), List.of(ms, max)).map(NodeStore::ids);
  }

  /** requeue-node: a node silent longer than {@code staleMs} hands back what it held; forgotten after {@code forgetMs}. */
  public Future<Requeued> requeueSilent(String node, long staleMs, long forgetMs) {
    java.util.function.Function<Keys, Future<Requeued>> call =
        k -> scripts.run(Script.REQUEUE_NODE, k.requeueNode(node), List.of(node, staleMs, forgetMs)).map(NodeStore::requeued);
    return eachShardThenNamespace(call, NodeStore::sum, call);
  }

  /** Two shards' answers: messages moved added up; a refusal (-1, -2) of either is the answer. */
  private static Requeued sum(Requeued a, Requeued b) {
    if (a.moved() < 0) {
      return a;
    }
    if (b.moved() < 0) {
      return b;
    }
    return new Requeued(a.moved() + b.moved(), b.forgotten());
  }

  /**
   * requeue-node by connection: {@code node}, whose registered connection is {@code deadAnchor},
   * hands back what it held now, whatever its heartbeat says; the registration becomes {@code
   * replacement} ("" none).
   */
  public Future<Requeued> requeueDead(String node, long forgetMs, String deadAnchor, String replacement) {
    if (shards.count() == 1) {
      return anchored(node, forgetMs, deadAnchor, replacement);
    }
    // a shard's script cannot read the registration (under the namespace's tag, in another slot of
    // a Redis Cluster): the namespace's call checks it first, keeping it and the node as they are;
    // only when it still names the dead connection is each shard's holding handed back,
    // unconditionally; then the namespace's call again replaces the registration and may forget the
    // node. Between the check and a shard's requeue a new process may take the id (claimIdentity)
    // and claim there: that claim goes back to the queue too, and its outcome is recorded once
    // (the delivery is no longer its), the message delivered again.
    return anchored(node, Long.MAX_VALUE / 4, deadAnchor, deadAnchor).compose(checked -> checked.moved() < 0
        ? Future.succeededFuture(checked)
        : handBackEachShard(node, checked).compose(soFar -> anchored(node, forgetMs, deadAnchor, replacement)
            .map(r -> r.moved() < 0 ? soFar : sum(soFar, r))));
  }

  /**
   * Each shard hands back what {@code node} holds there, unconditionally (the namespace's call
   * {@code checked} the registration, or swapped it, first); the shards' answers summed onto it.
   */
  private Future<Requeued> handBackEachShard(String node, Requeued checked) {
    Future<Requeued> chain = Future.succeededFuture(checked);
    for (Keys shard : shards.all()) {
      chain = chain.compose(soFar -> scripts.run(Script.REQUEUE_NODE, shard.requeueNode(node),
          List.of(node, 0, Long.MAX_VALUE / 4)).map(r -> sum(soFar, requeued(r))));
    }
    return chain;
  }

  /** requeue-node on the namespace's keys, conditional on {@code node}'s registration being {@code anchor}. */
  private Future<Requeued> anchored(String node, long forgetMs, String anchor, String replacement) {
    return scripts.run(Script.REQUEUE_NODE, keys.requeueNodeAnchored(node), List.of(node, 0, forgetMs, anchor, replacement))
        .map(NodeStore::requeued);
  }

  /**
   * A starting node takes its id: when {@code node}'s registered connection is {@code previous}
   * (judged gone by the caller), it becomes {@code mine} and whatever the previous process held
   * goes back to the queue. With one shard that is one requeue-node call, conditional on the
   * registration. With shards the registration (under the namespace's tag) is swapped first, in
   * the namespace's call, and only when that succeeded is each shard's holding handed back,
   * unconditionally: a shard's script cannot read the registration in a Redis Cluster, and once the
   * swap is made the id is this process's, which has claimed nothing yet (its workers start after
   * its identity). Completes as {@link #requeueDead}: -2 when the registration was not {@code
   * previous}.
   */
  public Future<Requeued> claimIdentity(String node, String previous, String mine) {
    if (shards.count() == 1) {
      return requeueDead(node, Long.MAX_VALUE / 4, previous, mine);
    }
    return anchored(node, Long.MAX_VALUE / 4, previous, mine)
        .compose(swapped -> swapped.moved() < 0 ? Future.succeededFuture(swapped) : handBackEachShard(node, swapped));
  }

  /** forget-left: the last sweep of a node that left; see forget-left.lua for its answers (-1, -2). */
  public Future<Long> forgetLeft(String node, long forgetMs) {
    java.util.function.Function<Keys, Future<Long>> call =
        shard -> scripts.run(Script.FORGET_LEFT, shard.leave(node), List.of(node, forgetMs)).map(Response::toLong);
    // shard 0's answer is the answer (-1 not yet, -2 a member again); the others' sweeps are added
    return eachShard(call, (a, b) -> b < 0 ? b : Math.max(0, a) + b);
  }

  /**
   * requeue-stranded: gives back to the queue what {@code nodeId}'s in-flight record holds beyond
   * the deliveries {@code keep} ("token|index") the node still holds; completes with how many.
   */
  public Future<Long> requeueStranded(String nodeId, List<String> keep) {
    // each shard's record on its own (the kept deliveries name their shard by their token)
    java.util.function.Function<Keys, Future<Long>> call =
        shard -> scripts.run(Script.REQUEUE_STRANDED, shard.requeueStranded(nodeId), keep).map(Response::toLong);
    return eachShard(call, Long::sum);
  }

  /** audit-prune: deletes the bitmaps of complete segments older than {@code retentionMs} (every shard's); completes with how many. */
  public Future<Long> pruneAudit(long retentionMs) {
    java.util.function.Function<Keys, Future<Long>> call =
        shard -> scripts.run(Script.AUDIT_PRUNE, List.of(shard.audit()), List.of(retentionMs)).map(Response::toLong);
    return eachShard(call, Long::sum);
  }

  private static Requeued requeued(Response r) {
    return new Requeued(r.get(0).toLong(), r.size() > 1 && r.get(1).toLong() == 1);
  }

  private static List<String> ids(Response list) {
    List<String> ids = new ArrayList<>(list.size());
    for (Response id : list) {
      ids.add(id.toString());
    }
    return ids;
  }
}
