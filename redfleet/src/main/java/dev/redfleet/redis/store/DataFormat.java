package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.Shards;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * The format of fleet state in Redis that this release reads and writes, recorded per namespace in
 * {@code <ns>:format} ({@code format.lua}). A node, a client or a command of another format refuses
 * the namespace before its first write, with one line: two releases that encode messages or
 * in-flight records differently would misread each other's entries (an older node reaping a newer
 * one pushed {@code <token>|<message>} values to the queue, where they were malformed).
 *
 * <p>Formats: 1 = in-flight values were bare messages (releases before delivery-named outcomes);
 * 2 = in-flight values are {@code <claim token>|<message>} and delayed entries are registered in
 * {@code <ns>:delayed:ids}; 3 = the in-flight hash holds one delivery record per claim token
 * ({@code lua/lib/deliveries.lua}) and a claim is replayed from it, not from {@code <ns>:claims:<node>};
 * 4 = a claim's record is cut into chunks of 32 messages ({@code <token>}, {@code <token>#1}, ...),
 * so that a finish reads at most one chunk's ids and messages per claim it names; 5 = a sharded
 * namespace ({@code 5/<shards>}) whose shards each keep their own copy of the members and the pause
 * ({@code Keys.members}, {@code Keys.shardPaused}), so that every script of a shard stays in its
 * slot (a namespace of one shard stayed format 4, and {@code 4/<shards>} was the sharded layout
 * before the copies); 6 = a message's entry has no field names ({@code lua/lib/entry.lua}:
 * {@code <id>:<epoch>:<ts>:<attempt>:<sent>:<meta length>:<meta><body>}, the body unescaped,
 * where 4 and 5 held {@code {"id":N,"epoch":E,"ts":T,"body":"..."}}), and 7 is the sharded layout
 * of 5 with those entries ({@code 7/<shards>}); 8 = a claim's ids and how many it still holds live
 * in a string of its own ({@code <ns>:inflight:<node>|<token>}, 8-byte integers, a slot set to 0
 * once its message is done), where 6 kept them as {@code |ids} and {@code |done} fields of each chunk, and 9
 * is the sharded layout with those records ({@code 9/<shards>}). A namespace written before formats were recorded has no key and is
 * taken over as it is. An idle namespace (no member, nothing queued or delayed) takes the format of
 * whoever comes first.
 */
public final class DataFormat {
  /** The format this release reads and writes in a namespace of one shard. */
  public static final int CURRENT = 8;

  /** The format this release reads and writes in a sharded namespace (recorded as {@code 9/<shards>}). */
  public static final int SHARDED = 9;

  /** The format of a namespace of {@code shards}. */
  static int formatFor(int shards) {
    return shards == 1 ? CURRENT : SHARDED;
  }

  /** The namespace holds another format than this release's. */
  public static final class MismatchException extends RuntimeException {
    public MismatchException(String message) {
      super(message, null, false, false);
    }
  }

  private DataFormat() {}

  /** Fails with {@link MismatchException} if the namespace of {@code keys} holds another format. */
  public static Future<Void> check(Scripts scripts, Keys keys, String namespace) {
    return check(scripts, keys, namespace, 1);
  }

  /**
   * The format as recorded for a namespace of {@code shards}: the format number alone with one
   * shard (what every release before shards wrote), {@code <format>/<shards>} with more, so that a
   * release that knows nothing of shards refuses a sharded namespace as another format.
   */
  public static String recorded(int shards) {
    return shards == 1 ? Integer.toString(CURRENT) : SHARDED + "/" + shards;
  }

  /**
   * Fails with {@link MismatchException} if the namespace of {@code keys} holds another format, or
   * is laid out in another number of shards than {@code shards}. A namespace never changes its
   * shard count by itself, not even when idle (format.lua): the messages and records of the other
   * layout would be left where no node looks.
   */
  public static Future<Void> check(Scripts scripts, Keys keys, String namespace, int shards) {
    if (shards == 1) {
      return scripts.run(Script.FORMAT, keys.formatCheck(), List.of(recorded(1)))
          .compose(stored -> compared(stored.toString(), namespace, 1));
    }
    // sharded: format.lua sees only the namespace's own keys, never the shards' queues (other
    // slots), so another format is taken over only after every shard is seen idle here
    return scripts.run(Script.FORMAT, keys.formatCheck(), List.of(recorded(shards), "keep"))
        .compose(stored -> {
          String found = stored.toString();
          if (found.equals(recorded(shards)) || !shardsOf(found).equals(Integer.toString(shards))) {
            return compared(found, namespace, shards);
          }
          return shardsIdle(scripts, new Shards(keys, shards))
              .compose(idle -> idle ? scripts.run(Script.FORMAT, keys.formatCheck(), List.of(recorded(shards)))
                  .map(Response::toString) : Future.succeededFuture(found))
              .compose(after -> compared(after, namespace, shards));
        });
  }

  /** The shard count a recorded format names: what follows its '/', "1" without one. */
  private static String shardsOf(String format) {
    int slash = format.indexOf('/');
    return slash < 0 ? "1" : format.substring(slash + 1);
  }

  /** No shard has a member, a queued message or a delayed one (format.lua's idle test, per shard). */
  private static Future<Boolean> shardsIdle(Scripts scripts, Shards shards) {
    List<Future<Response>> counts = new java.util.ArrayList<>();
    for (Keys shard : shards.all()) {
      counts.add(scripts.send(Request.cmd(Command.ZCARD).arg(shard.members())));
      counts.add(scripts.send(Request.cmd(Command.LLEN).arg(shard.queue())));
      counts.add(scripts.send(Request.cmd(Command.ZCARD).arg(shard.delayed())));
    }
    return Future.all(counts).map(all -> counts.stream().allMatch(f -> f.result().toLong() == 0));
  }

  /**
   * For readers (status, getErrors): only the shard count is compared, without writing anything,
   * since a reader of another release's format was never refused; a namespace with no format
   * recorded passes.
   */
  public static Future<Void> expect(Scripts scripts, Keys keys, String namespace, int shards) {
    return scripts.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET).arg(keys.format()))
        .compose(stored -> {
          if (stored == null) {
            return Future.succeededFuture();
          }
          String found = stored.toString();
          String theirShards = shardsOf(found);
          return theirShards.equals(Integer.toString(shards)) ? Future.succeededFuture()
              : Future.failedFuture(shardsDiffer(namespace, theirShards, shards));
        });
  }

  private static MismatchException shardsDiffer(String namespace, String theirShards, int shards) {
    return new MismatchException("namespace '" + namespace + "' is laid out in " + quoted(theirShards)
        + " shard(s), this node or command was given --shards " + shards
        + " (REDFLEET_SHARDS, 'shards'); give the same count, or use another --namespace");
  }

  private static Future<Void> compared(String found, String namespace, int shards) {
    if (found.equals(recorded(shards))) {
      return Future.succeededFuture();
    }
    int slash = found.indexOf('/');
    String theirFormat = slash < 0 ? found : found.substring(0, slash);
    String theirShards = shardsOf(found);
    boolean ours = theirShards.matches("[1-9][0-9]{0,2}")
        && theirFormat.equals(Integer.toString(formatFor(Integer.parseInt(theirShards))));
    if (ours && !theirShards.equals(Integer.toString(shards))) {
      return Future.failedFuture(shardsDiffer(namespace, theirShards, shards));
    }
    return Future.failedFuture(new MismatchException("namespace '" + namespace + "' holds fleet state in data format "
        + quoted(found) + ", this release reads and writes format " + recorded(shards) + "; stop the nodes of the other "
        + "release and let the namespace drain (nothing queued, delayed or held), or use another --namespace"));
  }

  /** Whatever the key holds, short (control characters are escaped where the line is printed). */
  private static String quoted(String found) {
    return "'" + (found.length() > 40 ? found.substring(0, 40) + "..." : found) + "'";
  }
}
