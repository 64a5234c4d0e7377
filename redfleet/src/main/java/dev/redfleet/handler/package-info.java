/**
 * Internal: turns the {@code handler} setting or a handler given in code into the one
 * {@link dev.redfleet.api.Handler} the worker verticles call, and runs blocking handlers on a pool.
 */
package dev.redfleet.handler;
