package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;

/**
 * The generator's lease and the nodes' anchors (their Redis connections) in Redis: the scripts of
 * the election and of node identity, their key lists, argument order and replies.
 */
public final class LeaseStore {
  private final Scripts scripts;
  private final Keys keys;

  LeaseStore(Scripts scripts, Keys keys) {
    this.scripts = scripts;
    this.keys = keys;
  }

  /**
   * What acquire-lease or lease-takeover came to.
   *
   * @param won the caller now holds the lease as "&lt;nodeId&gt;:&lt;epoch&gt;"
   * @param epoch the lease's epoch when won, else 0
   * @param holder the token that holds it when not won (null: none)
   * @param replaced a leader value no node can hold that acquire-lease replaced (null: none)
   */
  public record Lease(boolean won, long epoch, String holder, String replaced) {
    static Lease of(Response r) {
      if (r.get(0).toInteger() == 1) {
        return new Lease(true, r.get(1).toLong(), null, r.size() > 2 && r.get(2) != null ? r.get(2).toString() : null);
      }
      return new Lease(false, 0, r.size() > 1 && r.get(1) != null ? r.get(1).toString() : null, null);
    }
  }

  /** The lease's token and the connection its holder bound to it; either null when there is none. */
  public record Holder(String token, String anchor) {}

  /** acquire-lease: the lease for {@code nodeId} if it is free (a new epoch), for {@code leaseMs}. */
  public Future<Lease> acquire(String nodeId, long leaseMs) {
    return scripts.run(Script.ACQUIRE_LEASE, List.of(keys.leader(), keys.epoch()), List.of(nodeId, leaseMs)).map(Lease::of);
  }

  /** renew-lease: whether {@code token} still held the lease and now holds it {@code leaseMs} more. */
  public Future<Boolean> renew(String token, long leaseMs) {
    return scripts.run(Script.RENEW_LEASE, List.of(keys.leader()), List.of(token, leaseMs)).map(r -> r.toInteger() == 1);
  }

  /** release-lease: whether the lease was {@code token}'s and is now free (any other lease is left alone). */
  public Future<Boolean> release(String token) {
    return scripts.run(Script.RELEASE_LEASE, List.of(keys.leader()), List.of(token)).map(r -> r.toInteger() == 1);
  }

  /** lease-anchor: who holds the lease, and by which connection. */
  public Future<Holder> holder() {
    return scripts.run(Script.LEASE_ANCHOR, List.of(keys.leader(), keys.leaderAnchor()), List.of())
        .map(r -> new Holder(r.get(0) == null ? null : r.get(0).toString(), r.get(1) == null ? null : r.get(1).toString()));
  }

  /** lease-takeover: the lease of {@code holder}, whose connection {@code deadAnchor} is gone, for {@code nodeId}. */
  public Future<Lease> takeOver(String holder, String deadAnchor, String nodeId, String mine, long leaseMs) {
    return scripts.run(Script.LEASE_TAKEOVER, List.of(keys.leader(), keys.epoch(), keys.leaderAnchor(), keys.anchors()),
        List.of(holder, deadAnchor, nodeId, mine, leaseMs)).map(Lease::of);
  }

  /** lease-bind: binds connection {@code anchor} to the lease; false when {@code token} no longer holds it. */
  public Future<Boolean> bind(String token, String anchor) {
    return scripts.run(Script.LEASE_BIND, List.of(keys.leader(), keys.leaderAnchor()), List.of(token, anchor))
        .map(r -> r.toInteger() == 1);
  }

  /** anchor-swap: whether the connection registered for {@code nodeId} was {@code expected} and is now {@code replacement}. */
  public Future<Boolean> swapAnchor(String nodeId, String expected, String replacement) {
    return scripts.run(Script.ANCHOR_SWAP, List.of(keys.anchors()), List.of(nodeId, expected, replacement))
        .map(r -> r.get(0).toInteger() == 1);
  }

  /** The leader key's value as it is ("&lt;nodeId&gt;:&lt;epoch&gt;" of a lease), null when nobody leads. */
  public Future<String> leaderValue() {
    return scripts.send(Request.cmd(Command.GET).arg(keys.leader())).map(r -> r == null ? null : r.toString());
  }

  /** The connection registered for {@code nodeId}, "" when none. */
  public Future<String> anchorOf(String nodeId) {
    return scripts.send(Request.cmd(Command.HGET).arg(keys.anchors()).arg(nodeId)).map(r -> r == null ? "" : r.toString());
  }

  /** Every node's registered connection. */
  public Future<Map<String, String>> anchors() {
    return scripts.hash(keys.anchors());
  }
}
