package dev.redfleet.api;

import io.vertx.core.Future;

/**
 * Where the elected generator's messages come from, instead of random bodies ({@code run --source
 * NAME}). The generator asks for the items after a position (the cursor), produces them, and
 * commits the batch and the cursor after it in one Redis script, compare-and-set on the cursor it
 * started from. A new generator (after a failover) reads the committed cursor and asks from there:
 * every item is produced exactly once, provided the source keeps this contract:
 *
 * <p><b>Deterministic from the cursor.</b> The items after a cursor are a fixed sequence: asked
 * again from the same cursor (by this or another node, now or later), {@code next} returns a
 * prefix of the same sequence, and the cursor after that prefix. {@code max} may differ between
 * calls; the items may not. A source that reads something which changes (a file, a table, a
 * clock) is deterministic when what it reads only grows after the cursor: an append-only file, an
 * increasing key, the ticks of a schedule. A generator that died between reading a batch and
 * committing it leaves the cursor where it was, so the next one reads the batch again; if it read
 * other items, the first reading's items were never produced and the second's are.
 *
 * <p>The cursor is the source's own text (a byte offset, a time, a key), stored in Redis as
 * {@code {ns}:source:cursor}: at most a few hundred characters, never empty. {@code null} means
 * the very start (nothing committed yet). A batch with items must carry a new cursor, different
 * from the one it was asked from.
 *
 * <p>{@code next} is called on the generator's event loop, one call at a time (the next call
 * comes after the batch was produced), only while this node is the elected generator. It must not
 * block: answer with a future, or write a {@link BlockingSource} and wrap it with
 * {@link SourceContext#blocking}. A failed future or a thrown exception is logged and retried after
 * a backoff; a generator whose source keeps failing for {@code generatorStallMs} gives the lease up.
 *
 * <p>A source that also implements {@link AutoCloseable} is closed when the node leaves.
 */
@FunctionalInterface
public interface Source {
  /**
   * The items after {@code cursor}: at most {@code max} (at least 1) of them, and the cursor after
   * the last one. An empty batch means nothing now: the generator asks again after
   * {@code sourcePollMs}; when its cursor differs from {@code cursor}, that cursor is committed
   * (a source may record where it starts, say).
   *
   * @param cursor the committed position, or null at the very start
   */
  Future<SourceBatch> next(String cursor, int max);
}
