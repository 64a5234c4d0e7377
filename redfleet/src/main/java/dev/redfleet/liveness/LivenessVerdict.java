package dev.redfleet.liveness;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one answer to "is the process behind this anchor dead or alive?", for the three places that
 * act on it: the election (is the lease holder dead? then take the lease over), the leader's reaper
 * (is a node dead? then requeue what it holds at once) and the node identity (is the previous
 * holder of this node id dead? then take the id and hand back what it held).
 *
 * <p>The rule, for an anchor {@code <clientId>@rf-<run>-<random>} (see {@link Anchor}), asked with one
 * {@code CLIENT LIST ID} on this process's own anchor connection ({@link ClientLiveness#viaAnchor}):
 * <ol>
 *   <li>{@link Verdict#ALIVE}: a connection with that id <em>and</em> that name exists. The anchor
 *       is remembered as seen alive, for as long as this process's own anchor stays the same.</li>
 *   <li>{@link Verdict#DEAD}: no such connection, and that is evidence: the anchor was made on the
 *       same Redis server process as this process's own current anchor (the run ids in the two names
 *       are equal and known, {@link Anchor#sameServer}), or this checker has itself seen it alive
 *       since its own anchor last changed. The kernel closed the sockets of a dead process; client
 *       ids and connections do not survive a restart or failover, so nothing else proves death.</li>
 *   <li>{@link Verdict#UNKNOWN}: everything else. A missing anchor of another server (after a Redis
 *       restart or a Sentinel failover every connection is new) or of an unknown one (run id
 *       {@code 0}: INFO or CLIENT SETNAME was refused) that was never seen alive, a malformed anchor,
 *       and every anchor when Redis refuses CLIENT LIST to this user or, in a Redis Cluster, this
 *       process's anchor does not follow the namespace's slot ({@link ClientLiveness#refused()}). A
 *       Cluster anchor that does follow it gives no verdict while its master no longer serves the
 *       slot (it is moving to the new one). Callers fall back to their timeouts: the lease TTL,
 *       {@code staleMs}, the heartbeat rule.</li>
 * </ol>
 * No verdict at all (a failed future, {@link NoVerdict}) while this process's own anchor is not
 * connected, or when it changed while the check was out: the answer could be about another server.
 * Ask again later.
 *
 * <p>This replaces three copies of the rule. The identity's copy was weaker: it counted a missing
 * anchor of any known server as dead, so a process started on a promoted replica took the id of a
 * live node whose anchor had not moved there yet.
 *
 * <p>A wrong DEAD is harmless by construction (every action on it is a script that re-checks the
 * anchor, under fencing), but costs a leader change or a handler run: the rule keeps it rare.
 *
 * <p>Not thread-safe: one per verticle, used on its event loop.
 */
public final class LivenessVerdict {
  /** What one check says about one anchor. */
  public enum Verdict { ALIVE, DEAD, UNKNOWN }

  /** No verdict: this process's own anchor is not connected or changed during the check. */
  public static final class NoVerdict extends RuntimeException {
    NoVerdict(String message) {
      super(message, null, false, false);
    }
  }

  /** How many anchors seen alive are remembered (the least recently seen are forgotten first). */
  static final int SEEN_ALIVE_KEPT = 4096;

  private final Supplier<String> own;
  private final ClientLiveness liveness;
  /** Anchors seen alive while this process's own anchor was {@link #seenWith}; access order. */
  private final Map<String, Boolean> seenAlive = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > SEEN_ALIVE_KEPT;
    }
  };
  private String seenWith;

  /**
   * @param own this process's anchor: verdicts are relative to the server it was made on
   * @param liveness asks Redis; {@link ClientLiveness#viaAnchor} on that same anchor
   */
  public LivenessVerdict(Anchor own, ClientLiveness liveness) {
    this(own::identity, liveness);
  }

  LivenessVerdict(Supplier<String> own, ClientLiveness liveness) {
    this.own = own;
    this.liveness = liveness;
  }

  /** Whether every verdict is {@link Verdict#UNKNOWN} (CLIENT LIST refused, or a Cluster anchor not on the namespace's master). */
  public boolean refused() {
    return liveness.refused();
  }

  /** The verdict on one anchor; see the class comment. */
  public Future<Verdict> judge(String anchor) {
    return judge(List.of(anchor)).map(verdicts -> verdicts.get(anchor));
  }

  /**
   * The verdicts on {@code anchors} (one CLIENT LIST ID for all of them), in their order; fails
   * with {@link NoVerdict} while this process's anchor is not connected or when it changed meanwhile.
   */
  public Future<Map<String, Verdict>> judge(Collection<String> anchors) {
    String mine = own.get();
    if (mine == null) {
      return Future.failedFuture(new NoVerdict("this process's anchor connection is not established"));
    }
    if (!mine.equals(seenWith)) {
      // what was seen alive was seen on the previous connection, perhaps on another server
      seenAlive.clear();
      seenWith = mine;
    }
    return liveness.alive(anchors).compose(alive -> {
      if (!mine.equals(own.get())) {
        return Future.failedFuture(new NoVerdict("this process's anchor connection changed during the check"));
      }
      Map<String, Verdict> verdicts = new LinkedHashMap<>();
      for (String anchor : anchors) {
        verdicts.put(anchor, verdict(anchor, alive, mine));
      }
      return Future.succeededFuture(verdicts);
    });
  }

  private Verdict verdict(String anchor, java.util.Set<String> alive, String mine) {
    if (alive == null || anchor == null) {
      return Verdict.UNKNOWN;
    }
    if (alive.contains(anchor)) {
      seenAlive.put(anchor, Boolean.TRUE);
      return Verdict.ALIVE;
    }
    if (ClientLiveness.clientId(anchor) <= 0) {
      // malformed: never asked about, so its absence proves nothing
      return Verdict.UNKNOWN;
    }
    return seenAlive.containsKey(anchor) || Anchor.sameServer(anchor, mine) ? Verdict.DEAD : Verdict.UNKNOWN;
  }
}
