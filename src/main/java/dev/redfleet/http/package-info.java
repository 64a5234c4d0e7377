/**
 * Internal: messages in over HTTP. {@code POST /messages} on the node's HTTP port
 * ({@link dev.redfleet.http.MessagesEndpoint}, served by the ops package's HTTP server), who may
 * post ({@link dev.redfleet.http.PostAccess}) and the request's JSON. Sends go through
 * {@link dev.redfleet.send.Sender}; nothing here knows the rest of the node.
 */
package dev.redfleet.http;
