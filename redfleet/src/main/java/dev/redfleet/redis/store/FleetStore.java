package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;

/**
 * The only way Java touches fleet state in Redis: one typed method per script, each owning the
 * script's key list, argument order and the decoding of its reply, so that callers (verticles,
 * commands, the HTTP endpoints) never build a key list or parse a script answer. Grouped by feature;
 * each group runs its scripts through the one runner it is given ({@link Scripts}: WAIT, floors,
 * retries), so a fleet member's guarantees hold whichever group a call goes through.
 *
 * <p>Two stores are made where they are used rather than held here: {@link DeliveryStore} (the
 * worker's claim, finish, unland and BLMOVE: one per node, its keys are the node's) and {@link
 * DataFormat} (format.lua, checked before a node, client or command writes anything).
 */
public final class FleetStore {
  private final LeaseStore lease;
  private final NodeStore nodes;
  private final ErrorStore errors;
  private final PauseStore pause;
  private final QueueStore queue;
  private final StatusStore status;
  private final FiguresStore figures;

  public FleetStore(Scripts scripts, Keys keys) {
    this(scripts, Shards.one(keys));
  }

  /**
   * The stores of a namespace of {@code shards}: the fleet-wide groups on its own keys, the
   * membership's hand-backs on every shard, the figures' produced total added up over the shards
   * (the page's newest errors are shard 0's). The queue, errors and status groups are those of the
   * keys given: a shard's with {@code new FleetStore(scripts, shards.shard(s))}.
   */
  public FleetStore(Scripts scripts, Shards shards) {
    Keys keys = shards.fleet();
    this.lease = new LeaseStore(scripts, keys);
    this.nodes = new NodeStore(scripts, shards);
    this.errors = new ErrorStore(scripts, keys);
    this.pause = new PauseStore(scripts, shards);
    this.queue = new QueueStore(scripts, keys);
    this.status = new StatusStore(scripts, keys);
    this.figures = new FiguresStore(scripts, shards.shard(0), shards.all());
  }

  /** The generator's lease and the nodes' connections. */
  public LeaseStore lease() {
    return lease;
  }

  /** Membership: heartbeats, silent and departed nodes, handing back what they held, the audit's retention. */
  public NodeStore nodes() {
    return nodes;
  }

  /** The errors list. */
  public ErrorStore errors() {
    return errors;
  }

  /** Messages in: produce, send, the retry mover, the source's position. */
  public QueueStore queue() {
    return queue;
  }

  /** The status snapshot. */
  public StatusStore status() {
    return status;
  }

  /** The figures nodes publish for the page, the node summary and the bench. */
  public FiguresStore figures() {
    return figures;
  }

  /** Pause and resume. */
  public PauseStore pause() {
    return pause;
  }
}
