/**
 * Internal: the node's HTTP port. {@link dev.redfleet.http.ObserveVerticle} is the server:
 * {@code /metrics}, {@code /health}, {@code /ready}, {@code /api/status}, the live page and
 * {@code POST /messages} ({@link dev.redfleet.http.MessagesEndpoint}: who may post is
 * {@link dev.redfleet.http.PostAccess}, the request's JSON {@link dev.redfleet.http.MessagesJson};
 * sends go through {@link dev.redfleet.send.Sender}). The fleet's figures come from
 * {@link dev.redfleet.status.StatusReport}; nothing here deploys or knows the rest of the node.
 */
package dev.redfleet.http;
