package dev.redfleet.api;

/**
 * A {@link Source} that may block (files, JDBC, a blocking HTTP client). Wrap it with
 * {@link SourceContext#blocking}: it then runs on a thread of the node's source pool, never on an
 * event loop, one call at a time. The contract is {@link Source}'s: deterministic from the cursor;
 * return an empty batch when there is nothing now; throwing is a failure that is retried.
 */
@FunctionalInterface
public interface BlockingSource {
  /** See {@link Source#next}: at most {@code max} items after {@code cursor} (null at the very start). */
  SourceBatch next(String cursor, int max) throws Exception;
}
