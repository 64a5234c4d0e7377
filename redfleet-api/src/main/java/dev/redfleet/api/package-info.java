/**
 * The public API of redfleet: the only package a user's code compiles against.
 *
 * <p>Bring your own work in one of two kinds: a {@link dev.redfleet.api.Handler} (asynchronous,
 * runs on an event loop, answers with a Vert.x {@code Future}) or a
 * {@link dev.redfleet.api.BlockingHandler} (runs on a worker pool, answers by returning or
 * throwing). Then either embed a node in your own {@code main} with {@link dev.redfleet.api.Redfleet#node()},
 * or put your class on the class path of {@code run} and name it with {@code --handler}; a
 * {@link dev.redfleet.api.HandlerFactory} gives it a short name through {@link java.util.ServiceLoader}.
 *
 * <p>To put messages in from outside the fleet, connect a {@link dev.redfleet.api.RedfleetClient}
 * with {@link dev.redfleet.api.Redfleet#client()} and send {@link dev.redfleet.api.NewMessage}s,
 * each with its {@link dev.redfleet.api.SendOptions} (docs/SENDING.md).
 *
 * <p>Bring your own messages with a {@link dev.redfleet.api.Source} (or a
 * {@link dev.redfleet.api.BlockingSource}): what the elected generator emits, read from a cursor
 * that is committed with each batch, so that every item is produced once across failovers. Name it
 * with {@code run --source}; a {@link dev.redfleet.api.SourceFactory} gives it a short name.
 *
 * <p>Everything outside this package is internal and may change.
 */
package dev.redfleet.api;
