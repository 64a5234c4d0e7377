package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process knows about the fleet's dataset, so that ids and epochs never go backwards
 * while one process that saw them survives.
 *
 * <p>Floors: the highest id and epoch this process has seen in any answer or call, whoever handed
 * them out (produced, sent, claimed, finished, read from the lease). Every script that hands out
 * ids or epochs gets the floor with its call (lib/issue-guard.lua) and never goes below it.
 *
 * <p>The dataset: a random marker written once per namespace ({@code <ns>:dataset} field
 * {@code id}) and the run_id of the server. {@link #check} runs floors.lua (every node does it every
 * heartbeatMs, and at once when a guarded script is refused): an empty or replaced dataset
 * (FLUSHALL, a restart without persistence, an empty replica promoted) has no marker or another
 * one; a promoted replica or a restarted server has another run_id. Either way every node raises
 * seq and epoch to its floors there, and ids and epochs are handed out again only once every live
 * node has done so (the settle, see floors.lua). What this process noticed is logged once, loudly
 * when something was lost, and handed to the {@link #onChange listener}.
 *
 * <p>Shards: in a sharded namespace each shard hands out its own ids from its own seq, on the
 * master of its own slot, and that master can fail over or lose data while the namespace's does
 * not. So each shard has floors of its own ({@link #shard}): its dataset marker and its seq floor
 * (the shard's local ids), checked by floors.lua on the shard's keys, where the shard's fence
 * stands for the epoch. The epoch floor is the namespace's, shared: an epoch is fleet-wide, and
 * raising a shard's fence to the highest epoch this process has seen only refuses generators that
 * are stale already.
 */
public final class Floors {
  private static final Logger log = LoggerFactory.getLogger(Floors.class);

  /**
   * @param nodeId the node's id; "" for a one-shot command (a settle does not wait for it)
   * @param minSettleMs a new server or dataset settles at least this long (2 x heartbeatMs: every
   *     live node's periodic check has run on it)
   * @param maxSettleMs and at most this long (staleMs: a node silent that long is gone)
   */
  public record Settings(String nodeId, long minSettleMs, long maxSettleMs) {
    /** A fleet member with these heartbeat and staleness settings. */
    public static Settings node(String nodeId, long heartbeatMs, long staleMs) {
      return new Settings(nodeId, 2 * heartbeatMs, Math.max(2 * heartbeatMs, staleMs));
    }

    /** A one-shot command or a client: the defaults of a node (heartbeat 500 ms, staleMs 3000). */
    public static Settings client() {
      return new Settings("", 1000, 3000);
    }
  }

  /** floors.lua's answer (see the script). */
  public record Check(String dataset, String server, long seq, long epoch, long seqFound, long epochFound, String change,
                      boolean settled, int replicas) {}

  /**
   * A check that found another dataset or another server than the previous one of this process.
   *
   * @param seqFloor this process's seq floor before the check: ids up to it were handed out
   * @param epochFloor likewise for epochs
   */
  public record Change(Check check, boolean datasetChanged, boolean serverChanged, String previousServer, long seqFloor,
                       long epochFloor, boolean shard) {
    /**
     * Whether Redis had less than this process had seen (or lost the dataset). A shard's fence
     * below the epoch floor is no loss: a new generator raises it only when it first writes there.
     */
    public boolean lostData() {
      return datasetChanged || check.seqFound() < seqFloor || (!shard && check.epochFound() < epochFloor);
    }
  }

  private final Keys keys;
  private final Settings settings;
  private final AtomicLong seq = new AtomicLong();
  /** Fleet-wide: shared by the namespace's floors and its shards'. */
  private final AtomicLong epoch;
  /** The namespace's floors for a shard's; null for the namespace's own. */
  private final Floors namespace;
  /** The namespace's floors only: its shards' floors by their data prefix ({@code {tag}:}). */
  private final java.util.concurrent.ConcurrentHashMap<String, Floors> shards = new java.util.concurrent.ConcurrentHashMap<>();
  private final ReplicaWait replicaWait = new ReplicaWait();
  private volatile String dataset = "";
  private volatile String server = "";
  private volatile int replicas = -1;
  private volatile Consumer<Change> listener = change -> { };
  private final Object lock = new Object();
  private Future<Check> checking;

  public Floors(Keys keys, Settings settings) {
    this(keys, settings, null);
  }

  private Floors(Keys keys, Settings settings, Floors namespace) {
    this.keys = keys;
    this.settings = settings;
    this.namespace = namespace;
    this.epoch = namespace == null ? new AtomicLong() : namespace.epoch;
  }

  /**
   * The floors of shard {@code shardKeys} of this namespace (made on first use, then the same
   * object): its own dataset, server and seq floor, this namespace's epoch floor and listener.
   */
  public Floors shard(Keys shardKeys) {
    if (namespace != null) {
      return namespace.shard(shardKeys);
    }
    if (!shardKeys.sharded()) {
      return this;
    }
    return shards.computeIfAbsent(shardKeys.dataPrefix(), p -> new Floors(shardKeys, settings, this));
  }

  /** Whether WAIT is on for this master (the namespace's, or this shard's). */
  ReplicaWait replicaWait() {
    return replicaWait;
  }

  /** How the logs name this master: "the master" (the namespace's), or that of shard {tag}:. */
  String master() {
    return namespace == null ? "the master" : "the master of shard " + keys.dataPrefix();
  }

  /** The floors of the shard whose data keys start with {@code dataPrefix} ({@code {tag}:}). */
  Floors shardOf(String dataPrefix) {
    Floors known = shards.get(dataPrefix);
    return known != null ? known : shard(keys.shard(dataPrefix.substring(1, dataPrefix.length() - 2)));
  }

  public Keys keys() {
    return keys;
  }

  public long seqFloor() {
    return seq.get();
  }

  public long epochFloor() {
    return epoch.get();
  }

  /** The dataset marker this process knows; "" before its first check. */
  public String dataset() {
    return dataset;
  }

  /** The run_id of the server the last check ran on ('' before the first, '?' when INFO is refused). */
  public String server() {
    return server;
  }

  /** Connected replicas of the master at the last check; -1 unknown. */
  public int replicas() {
    return replicas;
  }

  /** Called (on the thread that completed the check) when a check finds another dataset or server. */
  public void onChange(Consumer<Change> listener) {
    if (namespace != null) {
      namespace.onChange(listener);
    } else {
      this.listener = listener;
    }
  }

  private Consumer<Change> listener() {
    return namespace != null ? namespace.listener() : listener;
  }

  void sawId(long id) {
    if (id > seq.get()) {
      seq.accumulateAndGet(id, Math::max);
    }
  }

  void sawEpoch(long value) {
    if (value > epoch.get()) {
      epoch.accumulateAndGet(value, Math::max);
    }
  }

  /** The two keys issue-guard takes after a script's own: the counter it hands out, the dataset. */
  List<String> guardKeys(boolean epochs) {
    return List.of(epochs ? keys.epoch() : keys.seq(), keys.dataset());
  }

  /**
   * The three arguments issue-guard takes after a script's own: the known dataset, the floor, and
   * how many ids the call may hand out under the ceiling (0: no ceiling).
   */
  List<Object> guardArgs(boolean epochs, long ids) {
    return List.of(dataset, epochs ? epoch.get() : seq.get(), ids);
  }

  /** Runs floors.lua; a call while one is under way shares its answer. */
  public Future<Check> check(Scripts scripts) {
    Promise<Check> mine = Promise.promise();
    synchronized (lock) {
      if (checking != null) {
        return checking;
      }
      checking = mine.future();
    }
    long seqBefore = seq.get();
    long epochBefore = epoch.get();
    String knownDataset = dataset;
    String random = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    scripts.plainRun(Script.FLOORS, keys.floors(), List.of(settings.nodeId(), knownDataset, random, seqBefore, epochBefore,
            settings.minSettleMs(), settings.maxSettleMs(), namespace == null ? "" : "fence"))
        .map(Floors::parse)
        .onComplete(ar -> {
          synchronized (lock) {
            checking = null;
          }
          if (ar.succeeded()) {
            noted(ar.result(), knownDataset, seqBefore, epochBefore);
          }
          mine.handle(ar);
        });
    return mine.future();
  }

  private static Check parse(Response r) {
    return new Check(r.get(0).toString(), r.get(1).toString(), r.get(2).toLong(), r.get(3).toLong(), r.get(4).toLong(),
        r.get(5).toLong(), r.get(6).toString(), r.get(7).toInteger() == 1, r.get(8).toInteger());
  }

  private void noted(Check c, String knownDataset, long seqBefore, long epochBefore) {
    sawId(c.seq());
    sawEpoch(c.epoch());
    replicas = c.replicas();
    String previousServer = server;
    boolean datasetChanged = !knownDataset.isEmpty() && !knownDataset.equals(c.dataset());
    boolean serverChanged = !previousServer.isEmpty() && !previousServer.equals(c.server());
    dataset = c.dataset();
    server = c.server();
    if (!datasetChanged && !serverChanged) {
      return;
    }
    Change change = new Change(c, datasetChanged, serverChanged, previousServer, seqBefore, epochBefore, namespace != null);
    say(change);
    try {
      listener().accept(change);
    } catch (RuntimeException e) {
      log.warn("reacting to a Redis change failed: {}", Backoff.oneLine(e));
    }
  }

  /** Once per change, what this process knows. */
  private void say(Change change) {
    Check c = change.check();
    long seqNow = Math.max(c.seq(), change.seqFloor());
    long epochNow = Math.max(c.epoch(), change.epochFloor());
    String where = namespace == null ? "namespace '" + keys.namespace() + "'"
        : "shard " + keys.dataPrefix() + " of namespace '" + keys.namespace() + "' (its own ids; its fence as the epoch)";
    if (change.datasetChanged()) {
      log.error("Redis lost data: the dataset of {} is gone or replaced (FLUSHALL, a restart without "
              + "persistence, or an empty replica promoted; Redis now has id {}, epoch {}). Ids up to {} and epochs up "
              + "to {} were issued before; continuing from id {}, epoch {}. Outcomes recorded before are not in the new "
              + "audit.", where, c.seqFound(), c.epochFound(), seqNow, epochNow, seqNow + 1, epochNow + 1);
    } else if (change.lostData()) {
      log.error("Redis lost data: the master of {} changed (server {} -> {}) and the new one lacks recent writes (it has "
              + "id {}, epoch {}). Ids up to {} and epochs up to {} were issued before; continuing from id {}, epoch {}.",
          where, shortId(change.previousServer()), shortId(c.server()), c.seqFound(), c.epochFound(), seqNow, epochNow, seqNow + 1,
          epochNow + 1);
    } else {
      log.warn("the Redis master of {} changed (server {} -> {}); nothing this node had seen was lost (id {}, epoch {})",
          where, shortId(change.previousServer()), shortId(c.server()), change.seqFloor(), change.epochFloor());
    }
  }

  private static String shortId(String run) {
    return run.length() > 12 ? run.substring(0, 12) : run;
  }

  /**
   * The id and epoch at the start of a message as the scripts write it ({@code <id>:<epoch>:...});
   * -1 for what is not in that form. Reads the entry's bytes in place: it runs once per claimed
   * message, and only the first few dozen bytes matter.
   */
  static long[] idAndEpoch(Buffer raw) {
    // 18 digits of id and 18 of epoch with their separators fit in 64 bytes: copied once, read as an array
    return EntryBytes.idAndEpoch(raw.getBytes(0, Math.min(raw.length(), 64)));
  }
}
