package dev.redfleet.redis.store;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
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
 * so that a finish reads at most one chunk's ids and messages per claim it names. A namespace written before formats were recorded has no key and is
 * taken over as it is. An idle namespace (no member, nothing queued or delayed) takes the format of
 * whoever comes first.
 */
public final class DataFormat {
  /** The format this release reads and writes. */
  public static final int CURRENT = 4;

  /** The namespace holds another format than this release's. */
  public static final class MismatchException extends RuntimeException {
    public MismatchException(String message) {
      super(message, null, false, false);
    }
  }

  private DataFormat() {}

  /** Fails with {@link MismatchException} if the namespace of {@code keys} holds another format. */
  public static Future<Void> check(Scripts scripts, Keys keys, String namespace) {
    return scripts.run(Script.FORMAT, keys.formatCheck(), List.of(CURRENT)).compose(stored -> {
      String found = stored.toString();
      if (found.equals(Integer.toString(CURRENT))) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(new MismatchException("namespace '" + namespace + "' holds fleet state in data format "
          + quoted(found) + ", this release reads and writes format " + CURRENT + "; stop the nodes of the other "
          + "release and let the namespace drain (nothing queued, delayed or held), or use another --namespace"));
    });
  }

  /** Whatever the key holds, short (control characters are escaped where the line is printed). */
  private static String quoted(String found) {
    return "'" + (found.length() > 40 ? found.substring(0, 40) + "..." : found) + "'";
  }
}
