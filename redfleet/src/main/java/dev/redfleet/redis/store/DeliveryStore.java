package dev.redfleet.redis.store;

import dev.redfleet.redis.FinishOutcomes;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Deliveries in Redis, for one node (the worker's side of fleet state): the key lists and argument
 * order of {@code claim.lua}, {@code finish.lua}, {@code finish-claim.lua} and {@code unland.lua},
 * the BLMOVE into the node's landing list, and the decoding of their replies. The worker's classes
 * call these methods and never parse a script reply themselves. One per node (its keys are the
 * node's), so it is made by the worker rather than held by {@link FleetStore}.
 */
public final class DeliveryStore {
  /**
   * What one claim took: the messages (each entry's bytes as Redis sent them, oldest first), each one's index in the claim's delivery
   * record (what finish names it by, with the token), and whether the fleet is paused.
   */
  public record Claimed(List<byte[]> messages, int[] indices, boolean paused) {}

  /** What one finish call recorded: outcomes recorded, late ones dropped, duplicates found. */
  public record Finished(long recorded, long dropped, long duplicates) {}

  /** What one finish-claim call did: the finish's part and the claim's part. */
  public record FinishedAndClaimed(Finished finished, Claimed claimed) {}

  /** The per-call arguments of finish that come before the outcome quadruples. */
  public record RetryPolicy(int attempts, long backoffMs, long backoffMaxMs) {}

  private final Scripts scripts;
  private final Keys keys;
  private final String nodeId;
  private final List<String> claimKeys;
  private final List<String> finishKeys;
  private final List<String> finishClaimKeys;
  private final List<String> unlandKeys;

  public DeliveryStore(Scripts scripts, Keys keys, String nodeId) {
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.claimKeys = keys.claim(nodeId);
    this.finishKeys = keys.finish(nodeId);
    this.finishClaimKeys = keys.finishClaim(nodeId);
    this.unlandKeys = List.of(keys.landing(nodeId), keys.queue());
  }

  /**
   * Everything the node's BLMOVE landed, plus up to {@code fromQueue} more from the queue, into the
   * in-flight hash as one delivery record under {@code token}; a repeated token gets back what that
   * record still holds. From the queue it takes at most its fair share (what is queued over the
   * nodes), but at least {@code least} (when that many are queued and {@code fromQueue} allows).
   */
  public Future<Claimed> claim(int fromQueue, int least, String token) {
    return scripts.run(Script.CLAIM, claimKeys, List.of(nodeId, fromQueue, least, token)).map(DeliveryStore::claimed);
  }

  private static Claimed claimed(Response r) {
    Response claimed = r.get(0);
    List<byte[]> messages = new ArrayList<>(claimed.size());
    for (int i = 0; i < claimed.size(); i++) {
      // bytes, not a String: the worker reads the header from them and decodes only the body
      messages.add(claimed.get(i).toBytes());
    }
    Response marker = r.get(1);
    boolean paused = marker.size() == 1 && "paused".equals(marker.get(0).toString());
    // a new claim's message k has index k; a repeated token's answer names them
    Response given = r.size() > 2 ? r.get(2) : null;
    int[] indices = new int[messages.size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = given != null && given.size() == indices.length ? given.get(i).toInteger() : i + 1;
    }
    return new Claimed(messages, indices, paused);
  }

  /**
   * Records a batch of (claim token, index, attempt, outcome) quadruples; outcome "" is success.
   * Index and attempt may be numbers or their digits. They go packed ({@link FinishOutcomes}).
   *
   * @param jitterSeed the seed of the retry delays' jitter: the script itself has no source of randomness
   */
  public Future<Finished> finish(RetryPolicy policy, int jitterSeed, List<?> quadruples) {
    List<Object> args = new ArrayList<>(quadruples.size() + 5);
    args.add(nodeId);
    args.add(policy.attempts());
    args.add(policy.backoffMs());
    args.add(policy.backoffMaxMs());
    args.add(jitterSeed);
    args.addAll(FinishOutcomes.pack(quadruples));
    return scripts.run(Script.FINISH, finishKeys, args).map(DeliveryStore::finished);
  }

  private static Finished finished(Response r) {
    return new Finished(r.get(0).toLong(), r.get(1).toLong(), r.size() > 2 ? r.get(2).toLong() : 0);
  }

  /**
   * Records the outcomes as {@link #finish} does and, in the same call, claims as {@link #claim}
   * does: what landed plus up to {@code fromQueue} more, under {@code token}. A call without an
   * answer is repeated as a claim with the same token and a finish of the same outcomes.
   */
  public Future<FinishedAndClaimed> finishAndClaim(RetryPolicy policy, int jitterSeed, List<?> quadruples, int fromQueue,
      int least, String token) {
    List<Object> args = new ArrayList<>(quadruples.size() + 8);
    args.add(nodeId);
    args.add(policy.attempts());
    args.add(policy.backoffMs());
    args.add(policy.backoffMaxMs());
    args.add(jitterSeed);
    args.add(fromQueue);
    args.add(least);
    args.add(token);
    args.addAll(FinishOutcomes.pack(quadruples));
    return scripts.run(Script.FINISH_CLAIM, finishClaimKeys, args)
        .map(r -> new FinishedAndClaimed(finished(r.get(0)), claimed(r.get(1))));
  }

  /** Gives what the node's BLMOVE landed back to the head of the queue. */
  public Future<Void> unland() {
    return scripts.run(Script.UNLAND, unlandKeys, List.of()).mapEmpty();
  }

  /** The length of the queue these deliveries come from (a sharded worker picks the longest shard by it). */
  public Future<Long> queueLength() {
    return scripts.send(Request.cmd(Command.LLEN).arg(keys.queue())).map(Response::toLong);
  }

  /** BLMOVE from the queue into the node's landing list, waiting up to {@code blockMs}; for a dedicated connection. */
  public Request blockingMove(long blockMs) {
    return Request.cmd(Command.BLMOVE).arg(keys.queue()).arg(keys.landing(nodeId))
        .arg("RIGHT").arg("LEFT").arg(String.format(Locale.ROOT, "%.3f", blockMs / 1000.0));
  }
}
