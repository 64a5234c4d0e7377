/**
 * Internal: the fleet's snapshot ({@code status.lua}, one script), as JSON and as text, read by the
 * {@code status} command, the node's HTTP port and the demo.
 */
package dev.redfleet.status;
