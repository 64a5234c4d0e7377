package dev.redfleet.redis;

import java.util.List;

/**
 * Every Redis key redfleet uses, and the only place that knows their names. Fleet-wide keys (the
 * lease, epoch, nodes, anchors, format, pause, handlers) carry the hash tag {@code {<namespace>}}.
 * The data keys (queue, delayed set, landing and in-flight records, audit, errors, counters, seq,
 * dedup keys, the source cursor, the shard's fence, the dataset marker that guards its ids) carry
 * the tag of their shard:
 * with one shard (the default) that is the namespace's own, so every key shares one tag and each
 * Lua script touches a single Redis Cluster slot, exactly as before shards existed. With more,
 * {@link Shards} makes one view of this class per shard ({@link #shard}), whose data keys are
 * under that shard's tag (docs/DESIGN.md, "Shards").
 */
public final class Keys {
  private final String namespace;
  private final String prefix;
  /** The prefix of the data keys: {@link #prefix} with one shard, {@code {<shard tag>}:} with more. */
  private final String data;

  public Keys(String namespace) {
    this.namespace = namespace;
    this.prefix = "{" + namespace + "}:";
    this.data = prefix;
  }

  private Keys(String namespace, String shardTag) {
    this.namespace = namespace;
    this.prefix = "{" + namespace + "}:";
    this.data = "{" + shardTag + "}:";
  }

  /** Redis Cluster's slots. */
  public static final int SLOTS = 16384;

  /**
   * The hash tag of shard {@code shard} of {@code shards} (shards > 1): {@code <namespace>/<shard>.<k>}
   * with the smallest k >= 0 whose slot falls in the shard's slice of the slots, {@code [shard *
   * 16384 / shards, (shard + 1) * 16384 / shards)}. {@code redis-cli --cluster create} gives M
   * masters equal contiguous slot ranges, so N shards land N/M (+-1) on each master at start; the
   * same namespace and count always give the same tags.
   */
  public static String shardTag(String namespace, int shard, int shards) {
    int from = (int) ((long) shard * SLOTS / shards);
    int to = (int) ((long) (shard + 1) * SLOTS / shards);
    for (int k = 0; ; k++) {
      String tag = namespace + "/" + shard + "." + k;
      int slot = slot(tag);
      if (slot >= from && slot < to) {
        return tag;
      }
    }
  }

  /** The Cluster slot of a hash tag (CRC16/XMODEM of its bytes, mod 16384), as CLUSTER KEYSLOT computes it. */
  public static int slot(String tag) {
    int crc = 0;
    for (byte b : tag.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
    }
    return crc & (SLOTS - 1);
  }

  /** The view of these keys whose data keys are under {@code shardTag} (fleet-wide keys unchanged). */
  public Keys shard(String shardTag) {
    return new Keys(namespace, shardTag);
  }

  /** {@code {tag}:}, the start of every data key of this view (the namespace's prefix with one shard). */
  public String dataPrefix() {
    return data;
  }

  /**
   * String: the epoch of the last generator allowed to write to this shard (shards > 1 only).
   * produce.lua refuses a lower epoch and raises it to a higher one; a new generator raises every
   * shard's before its first write (fence.lua).
   */
  public String fence() {
    return data + "fence";
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
    return data + "seq";
  }

  /** List of pending messages: produced on the left, consumed from the right. */
  public String queue() {
    return data + "queue";
  }

  /** Sorted set: nodeId -> last heartbeat (Redis time, ms). */
  public String nodes() {
    return prefix + "nodes";
  }

  /** True for a shard of a sharded namespace: its data keys are under its own tag, not the namespace's. */
  public boolean sharded() {
    return !data.equals(prefix);
  }

  /**
   * Sorted set: the members as this shard's scripts see them, nodeId -> last heartbeat or claim
   * here (Redis time, ms). With one shard it is {@link #nodes()} itself. With more, each shard
   * keeps its own copy under its tag, so that a shard's claim, requeue and leave touch one Redis
   * Cluster slot: every heartbeat is written to the namespace's members and then to each shard's,
   * and a node is forgotten in each shard and then in the namespace.
   */
  public String members() {
    return sharded() ? data + "nodes" : nodes();
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
    return data + "landing:" + nodeId;
  }

  /**
   * Hash: a node's messages in flight, one delivery record per claim token (lua/lib/deliveries.lua
   * has the layout) and {@code |held}, the number of messages held.
   */
  public String inflight(String nodeId) {
    return data + "inflight:" + nodeId;
  }

  /**
   * String: the ids of claim {@code token} of a node and how many of them it still holds (8-byte
   * integers; lua/lib/deliveries.lua has the layout). The scripts derive it from {@link
   * #inflight(String)}: the node's in-flight hash, {@code |} and the token (a node name has no
   * {@code |}, so no claim's key is another node's).
   */
  public String inflightClaim(String nodeId, String token) {
    return inflight(nodeId) + "|" + token;
  }

  /** The keys {@code requeue-node.lua} takes for one node, in its order. */
  public List<String> requeueNode(String nodeId) {
    return List.of(members(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId));
  }

  /** String: the data format number of everything in the namespace (see store/DataFormat). */
  public String format() {
    return prefix + "format";
  }

  /** The keys {@code format.lua} takes, in its order. */
  public List<String> formatCheck() {
    return List.of(format(), nodes(), queue(), delayed());
  }

  /**
   * Sorted set: node id -> Redis time (ms) it left gracefully, until its landing list has been
   * swept once more. A data key: with shards each shard remembers the leave of its own landing list.
   */
  public String left() {
    return data + "left";
  }

  /** The keys {@code leave.lua} and {@code forget-left.lua} take for one node, in their order. */
  public List<String> leave(String nodeId) {
    return List.of(members(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId), left());
  }

  /**
   * Hash: a node's worker slot -> token and ids of its last claim, written by releases of data format 2
   * only (a claim is now replayed from its delivery record); the requeue scripts still delete it.
   */
  public String claims(String nodeId) {
    return data + "claims:" + nodeId;
  }

  /** List of failed (and malformed) messages, newest on the left. */
  public String errors() {
    return data + "errors";
  }

  /** Sorted set: getErrors readerId -> lease deadline (Redis time, ms). */
  public String errorReaders() {
    return data + "errors:readers";
  }

  /** List: the entries one getErrors reader has claimed and is printing. */
  public String errorReading(String readerId) {
    return errorReadingPrefix() + readerId;
  }

  public String errorReadingPrefix() {
    return data + "errors:reading:";
  }

  /** Hash of counters: produced, processed, failed, malformed, requeued, stale_dropped, duplicates. */
  public String stats() {
    return data + "stats";
  }

  /** Ids per audit segment: 2^24, so a segment's bitmap is at most 2 MiB. */
  public static final long AUDIT_SEGMENT_IDS = 1L << 24;

  /**
   * The audit prefix {@code {ns}:audit}, passed to finish.lua, which derives the segment and counts
   * keys below from it (lua/lib/audit.lua, the same names). Itself a key only in releases before
   * the segments (one bitmap for every id).
   */
  public String audit() {
    return data + "audit";
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
    return data + "delayed";
  }

  /**
   * Hash: id -> SHA-1 (hex) of the delayed message the fleet wrote for that id (send.lua), so that
   * retry-due moves only the fleet's own entries, never a forged one carrying a real message's id.
   */
  public String delayedIds() {
    return data + "delayed:ids";
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
    return List.of(queue(), landing(nodeId), inflight(nodeId), members(), errors(), stats(), seq(), epochLimit(), shardPaused());
  }

  /** The keys {@code status.lua} takes, in its order. */
  public List<String> status() {
    if (sharded()) {
      // a shard's own figures only, in its slot: the lease, epoch and the namespace's dataset are not in it
      return List.of(seq(), queue(), members(), stats(), auditCounts(), errors(), delayed(), shardPaused());
    }
    return List.of(seq(), queue(), nodes(), stats(), auditCounts(), errors(), delayed(), paused(), leader(), epoch(), dataset());
  }

  /** The keys {@code finish-claim.lua} takes for one node, in its order: finish's, then claim's others. */
  public List<String> finishClaim(String nodeId) {
    return List.of(inflight(nodeId), errors(), stats(), audit(), seq(), delayed(), delayedIds(), queue(), landing(nodeId),
        members(), epochLimit(), shardPaused());
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
    return List.of(members(), landing(nodeId), inflight(nodeId), queue(), stats(), claims(nodeId), anchors());
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
    return data + "dedup:" + key;
  }

  /** String, present while the fleet is paused: workers claim nothing, the generator emits nothing. */
  public String paused() {
    return prefix + "paused";
  }

  /**
   * String: the pause as this shard's claim and produce read it. With one shard it is {@link
   * #paused()} itself; with more, pause writes the namespace's key and then a copy in each shard
   * (resume deletes the copies first), so a shard's scripts read it in their own slot.
   */
  public String shardPaused() {
    return sharded() ? data + "paused" : paused();
  }

  /**
   * What a claim compares a message's epoch with: the last epoch handed out with one shard; the
   * shard's fence with more (the highest epoch that has written to the shard: every message a
   * generator wrote there carries at most that, and it sits in the shard's slot).
   */
  private String epochLimit() {
    return sharded() ? fence() : epoch();
  }

  /** String: the generator's source position (cursor), committed with each produced batch. */
  public String sourceCursor() {
    return data + "source:cursor";
  }

  /** The keys {@code produce.lua} takes, in its order: fenced by the lease. */
  public List<String> produce() {
    return List.of(leader(), seq(), queue(), stats(), sourceCursor(), paused());
  }

  /** The keys {@code produce.lua} takes for a shard of a sharded namespace: fenced by the shard's fence. */
  public List<String> produceFenced() {
    return List.of(fence(), seq(), queue(), stats(), sourceCursor(), shardPaused());
  }

  /** The fixed keys {@code send.lua} takes before the dedup keys, in its order. */
  public List<String> send() {
    return List.of(seq(), queue(), delayed(), stats(), delayedIds());
  }

  // floors: ids and epochs never go backwards

  /**
   * Hash: the dataset's random marker ({@code id}, written once: its absence means an empty or
   * replaced dataset), the server the fleet raised its floors on and whether that settled, the
   * ceiling of ids (reserve.lua), and the last change seen (see floors.lua). Under the data
   * prefix: with shards each shard has its own, on its own master.
   */
  public String dataset() {
    return data + "dataset";
  }

  /** Sorted set: nodeId -> when it last ran floors.lua (Redis time, ms): who has raised its floors since a change. */
  public String floored() {
    return data + "floored";
  }

  /**
   * The keys {@code floors.lua} takes, in its order. A shard of a sharded namespace has its own
   * dataset, floored set and seq, and its fence stands for the epoch: each shard's master is
   * checked on its own (docs/DESIGN.md, "Shards").
   */
  public List<String> floors() {
    return List.of(dataset(), seq(), epochLimit(), members(), floored(), stats());
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
