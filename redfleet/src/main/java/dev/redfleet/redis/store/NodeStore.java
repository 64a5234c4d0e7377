package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
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
 */
public final class NodeStore {
  private final Scripts scripts;
  private final Keys keys;

  NodeStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
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
    return scripts.run(Script.HEARTBEAT, List.of(keys.nodes(), keys.handlers()), List.of(nodeId, handler)).map(Response::toLong);
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
    return scripts.run(Script.LEAVE, keys.leave(nodeId), List.of(nodeId)).map(Response::toLong);
  }

  /** stale-nodes: at most {@code max} members silent longer than {@code silentMs}, most silent first. */
  public Future<List<String>> silentNodes(long silentMs, int max) {
    return scripts.run(Script.STALE_NODES, List.of(keys.nodes()), List.of(silentMs, max)).map(NodeStore::ids);
  }

  /** stale-nodes on the nodes that left: at most {@code max} that left longer than {@code ms} ago. */
  public Future<List<String>> leftLongerThan(long ms, int max) {
    return scripts.run(Script.STALE_NODES, List.of(keys.left()), List.of(ms, max)).map(NodeStore::ids);
  }

  /** requeue-node: a node silent longer than {@code staleMs} hands back what it held; forgotten after {@code forgetMs}. */
  public Future<Requeued> requeueSilent(String node, long staleMs, long forgetMs) {
    return scripts.run(Script.REQUEUE_NODE, keys.requeueNode(node), List.of(node, staleMs, forgetMs)).map(NodeStore::requeued);
  }

  /**
   * requeue-node by connection: {@code node}, whose registered connection is {@code deadAnchor},
   * hands back what it held now, whatever its heartbeat says; the registration becomes {@code
   * replacement} ("" none).
   */
  public Future<Requeued> requeueDead(String node, long forgetMs, String deadAnchor, String replacement) {
    return scripts.run(Script.REQUEUE_NODE, keys.requeueNodeAnchored(node), List.of(node, 0, forgetMs, deadAnchor, replacement))
        .map(NodeStore::requeued);
  }

  /** forget-left: the last sweep of a node that left; see forget-left.lua for its answers (-1, -2). */
  public Future<Long> forgetLeft(String node, long forgetMs) {
    return scripts.run(Script.FORGET_LEFT, keys.leave(node), List.of(node, forgetMs)).map(Response::toLong);
  }

  /**
   * requeue-stranded: gives back to the queue what {@code nodeId}'s in-flight record holds beyond
   * the deliveries {@code keep} ("token|index") the node still holds; completes with how many.
   */
  public Future<Long> requeueStranded(String nodeId, List<String> keep) {
    return scripts.run(Script.REQUEUE_STRANDED, keys.requeueStranded(nodeId), keep).map(Response::toLong);
  }

  /** audit-prune: deletes the bitmaps of complete segments older than {@code retentionMs}; completes with how many. */
  public Future<Long> pruneAudit(long retentionMs) {
    return scripts.run(Script.AUDIT_PRUNE, List.of(keys.audit()), List.of(retentionMs)).map(Response::toLong);
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
