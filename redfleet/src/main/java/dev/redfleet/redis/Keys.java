package dev.redfleet.redis;

import java.util.List;

/**
 * Every Redis key redfleet uses, and the only place that knows their names. All keys share the
 * hash tag {@code {<namespace>}}, so each Lua script touches a single Redis Cluster slot.
 */
public final class Keys {
  private final String namespace;
  private final String prefix;

  public Keys(String namespace) {
    this.namespace = namespace;
    this.prefix = "{" + namespace + "}:";
  }

  public String namespace() {
    return namespace;
  }

  /** {@code {ns}:}, the start of every key. */
  public String prefix() {
    return prefix;
  }

  /** String with PX TTL: {@code <nodeId>:<epoch>} of the current generator. */
  public String leader() {
    return prefix + "leader";
  }

  /** Integer: last epoch handed out, the fencing token. */
  public String epoch() {
    return prefix + "epoch";
  }

  /** Integer: last message id assigned. */
  public String seq() {
    return prefix + "seq";
  }

  /** List of pending messages: produced on the left, consumed from the right. */
  public String queue() {
    return prefix + "queue";
  }

  /** Sorted set: nodeId -> last heartbeat (Redis time, ms). */
  public String nodes() {
    return prefix + "nodes";
  }

  /**
   * Hash: nodeId -> the name of the handler the node runs (written with every heartbeat), so that
   * {@code status} shows it and nodes warn when live nodes of one namespace run different handlers.
   * A node deletes its field when it leaves; the generator's node deletes fields of nodes no longer
   * in {@link #nodes()}.
   */
  public String handlers() {
    return prefix + "handlers";
  }

  /** List: where a node's blocking pop lands a message before it is claimed. */
  public String landing(String nodeId) {
    return prefix + "landing:" + nodeId;
  }

  /**
   * Hash: a node's messages in flight, one delivery record per claim token (lua/lib/deliveries.lua
   * has the layout) and {@code |held}, the number of messages held.
   */
  public String inflight(String nodeId) {
    return prefix + "inflight:" + nodeId;
  }

  /** The keys {@code requeue-node.lua} takes for one node, in its order. */
  public List<String> requeueNode(String nodeId) {
    return List.of(nodes(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId));
  }

  /** String: the data format number of everything in the namespace (see store/DataFormat). */
  public String format() {
    return prefix + "format";
  }

  /** The keys {@code format.lua} takes, in its order. */
  public List<String> formatCheck() {
    return List.of(format(), nodes(), queue(), delayed());
  }

  /** Sorted set: node id -> Redis time (ms) it left gracefully, until its landing list has been swept once more. */
  public String left() {
    return prefix + "left";
  }

  /** The keys {@code leave.lua} and {@code forget-left.lua} take for one node, in their order. */
  public List<String> leave(String nodeId) {
    return List.of(nodes(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId), left());
  }

  /**
   * Hash: a node's worker slot -> token and ids of its last claim, written by releases of data format 2
   * only (a claim is now replayed from its delivery record); the requeue scripts still delete it.
   */
  public String claims(String nodeId) {
    return prefix + "claims:" + nodeId;
  }

  /** List of failed (and malformed) messages, newest on the left. */
  public String errors() {
    return prefix + "errors";
  }

  /** Sorted set: getErrors readerId -> lease deadline (Redis time, ms). */
  public String errorReaders() {
    return prefix + "errors:readers";
  }

  /** List: the entries one getErrors reader has claimed and is printing. */
  public String errorReading(String readerId) {
    return errorReadingPrefix() + readerId;
  }

  public String errorReadingPrefix() {
    return prefix + "errors:reading:";
  }

  /** Hash of counters: produced, processed, failed, malformed, requeued, stale_dropped, duplicates. */
  public String stats() {
    return prefix + "stats";
  }

  /** Ids per audit segment: 2^24, so a segment's bitmap is at most 2 MiB. */
  public static final long AUDIT_SEGMENT_IDS = 1L << 24;

  /**
   * The audit prefix {@code {ns}:audit}, passed to finish.lua, which derives the segment and counts
   * keys below from it (lua/lib/audit.lua, the same names). Itself a key only in releases before
   * the segments (one bitmap for every id).
   */
  public String audit() {
    return prefix + "audit";
  }

  /**
   * Bitmap of audit segment {@code n}: bit {@code id - n * 2^24} is set once the outcome of message
   * {@code id} is recorded. Gone (deleted by audit-prune) once the segment is complete and older
   * than the retention: {@link #auditCounts()} then says every id in it is recorded.
   */
  public String auditSegment(long segment) {
    return audit() + ":" + segment;
  }

  /** The segment an id's audit bit is in. */
  public static long auditSegmentOf(long id) {
    return id / AUDIT_SEGMENT_IDS;
  }

  /**
   * Hash: segment n -> ids recorded in it, {@code total} -> all of them (what status reads),
   * {@code done:<n>} -> when segment n became complete (Redis time, ms).
   */
  public String auditCounts() {
    return audit() + ":counts";
  }

  /** Every audit key for ids 1..{@code maxId}: the counts hash and each segment's bitmap (to delete a namespace). */
  public List<String> auditKeys(long maxId) {
    List<String> all = new java.util.ArrayList<>();
    all.add(auditCounts());
    for (long n = 0; n <= auditSegmentOf(Math.max(0, maxId)); n++) {
      all.add(auditSegment(n));
    }
    return all;
  }

  // retries and the data path

  /** Sorted set: retries waiting for their due time, message (with its next attempt) -> due (Redis time, ms). */
  public String delayed() {
    return prefix + "delayed";
  }

  /**
   * Hash: id -> SHA-1 (hex) of the delayed message the fleet wrote for that id (send.lua), so that
   * retry-due moves only the fleet's own entries, never a forged one carrying a real message's id.
   */
  public String delayedIds() {
    return prefix + "delayed:ids";
  }

  /**
   * List: holds one element while the delayed set has changed since the retry mover last looked
   * (send.lua and finish.lua push it, retry-due.lua deletes it; lua/lib/wake.lua names it from
   * {@link #delayed()} the same way); the leader's mover waits on it in a BLMOVE instead of polling.
   */
  public String delayedWake() {
    return delayed() + ":wake";
  }

  /** The keys {@code retry-due.lua} takes, in its order. */
  public List<String> retryDue() {
    return List.of(delayed(), queue(), delayedIds(), errors(), stats());
  }

  /** The keys {@code claim.lua} takes for one node, in its order. */
  public List<String> claim(String nodeId) {
    return List.of(queue(), landing(nodeId), inflight(nodeId), nodes(), errors(), stats(), seq(), epoch(), paused());
  }

  /** The keys {@code status.lua} takes, in its order. */
  public List<String> status() {
    return List.of(leader(), epoch(), seq(), queue(), nodes(), stats(), auditCounts(), errors(), delayed(), paused(), dataset());
  }

  /** The keys {@code finish-claim.lua} takes for one node, in its order: finish's, then claim's others. */
  public List<String> finishClaim(String nodeId) {
    return List.of(inflight(nodeId), errors(), stats(), audit(), seq(), delayed(), delayedIds(), queue(), landing(nodeId),
        nodes(), epoch(), paused());
  }

  /** The keys {@code finish.lua} takes for one node, in its order. */
  public List<String> finish(String nodeId) {
    return List.of(inflight(nodeId), errors(), stats(), audit(), seq(), delayed(), delayedIds());
  }

  // HTTP: metrics, health, the live page

  /**
   * Hash nodeId -> "handled failed": each node's own outcome totals, written by nodes with an HTTP
   * port once a second, so the page shows every node's throughput. A node deletes its field when
   * it leaves; the generator's node deletes fields of nodes no longer in {@link #nodes()}.
   */
  public String nodeTotals() {
    return prefix + "nodetotals";
  }

  // liveness

  /** Hash: nodeId -> anchor {@code <clientId>@<name>}, the connection that lives as long as the node's process. */
  public String anchors() {
    return prefix + "anchors";
  }

  /** String {@code <token>|<anchor>}: the connection the lease holder bound to its lease. */
  public String leaderAnchor() {
    return prefix + "leader:anchor";
  }

  /** {@link #requeueNode} plus the anchors hash: a requeue that is conditional on the node's connection. */
  public List<String> requeueNodeAnchored(String nodeId) {
    return List.of(nodes(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId), anchors());
  }

  /** Hash: {@code <nodeId>/<worker slot>} -> that worker's pickup-latency histogram (bench only). */
  public String latency() {
    return prefix + "latency";
  }

  /** String: Redis time (ms) from which workers record pickup latency; absent = not yet (bench only). */
  public String latencyFrom() {
    return prefix + "latency:from";
  }

  // messages in: send, sources, pause

  /** String with PX TTL: the id of the message first sent with dedup key {@code key}. */
  public String dedup(String key) {
    return prefix + "dedup:" + key;
  }

  /** String, present while the fleet is paused: workers claim nothing, the generator emits nothing. */
  public String paused() {
    return prefix + "paused";
  }

  /** String: the generator's source position (cursor), committed with each produced batch. */
  public String sourceCursor() {
    return prefix + "source:cursor";
  }

  /** The keys {@code produce.lua} takes, in its order. */
  public List<String> produce() {
    return List.of(leader(), seq(), queue(), stats(), sourceCursor(), paused());
  }

  /** The fixed keys {@code send.lua} takes before the dedup keys, in its order. */
  public List<String> send() {
    return List.of(seq(), queue(), delayed(), stats(), delayedIds());
  }

  // floors: ids and epochs never go backwards

  /**
   * Hash: the dataset's random marker ({@code id}, written once: its absence means an empty or
   * replaced dataset), the server the fleet raised its floors on and whether that settled, the
   * ceiling of ids (reserve.lua), and the last change seen (see floors.lua).
   */
  public String dataset() {
    return prefix + "dataset";
  }

  /** Sorted set: nodeId -> when it last ran floors.lua (Redis time, ms): who has raised its floors since a change. */
  public String floored() {
    return prefix + "floored";
  }

  /** The keys {@code floors.lua} takes, in its order. */
  public List<String> floors() {
    return List.of(dataset(), seq(), epoch(), nodes(), floored(), stats());
  }

  /** The keys {@code reserve.lua} takes, in its order. */
  public List<String> reserve() {
    return List.of(dataset(), seq());
  }

  /** The keys {@code requeue-stranded.lua} takes for one node, in its order. */
  public List<String> requeueStranded(String nodeId) {
    return List.of(inflight(nodeId), queue(), stats());
  }

  /** The keys {@code requeue-error.lua} takes, in its order. */
  public List<String> requeueError() {
    return List.of(errors(), seq(), queue(), stats());
  }

  /** The keys {@code delete-error.lua} takes, in its order. */
  public List<String> deleteError() {
    return List.of(errors(), stats());
  }
}
