/**
 * Internal: is a process alive? Each process's {@link dev.redfleet.liveness.Anchor} connection
 * lives exactly as long as the process; {@link dev.redfleet.liveness.ClientLiveness} asks Redis which
 * anchors still have a connection; {@link dev.redfleet.liveness.LivenessVerdict} is the one rule
 * that turns that answer into ALIVE, DEAD or UNKNOWN for the election, the reaper and the node
 * identity. See docs/LIVENESS.md.
 */
package dev.redfleet.liveness;
