package dev.redfleet.ops;

import dev.redfleet.config.Visible;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One handler per namespace: every live node claims from the same queue, so a message goes to
 * whichever node claims it first, whatever handler that node runs. A node that finds a live node
 * with another handler says so, naming both nodes and handlers (an embedded node once won the
 * election while a plain {@code run} node handled every message, and nothing said so).
 */
final class HandlerMismatch {
  private HandlerMismatch() {}

  /** A live node whose handler is not this node's. */
  record Other(String node, String handler) {}

  /**
   * The live nodes (heartbeat at most {@code staleMs} older than this node's own) recorded with
   * another handler than {@code handler}, by node id. Nodes without a record (an older release, or
   * a node whose record was not written yet) are not counted.
   */
  static List<Other> others(String self, String handler, Map<String, Double> heartbeats, Map<String, String> handlers,
                            long staleMs) {
    Double own = heartbeats.get(self);
    List<Other> others = new ArrayList<>();
    if (own == null) {
      return others;
    }
    handlers.entrySet().stream()
        .filter(e -> !e.getKey().equals(self) && !e.getValue().equals(handler))
        .filter(e -> heartbeats.containsKey(e.getKey()) && heartbeats.get(e.getKey()) >= own - staleMs)
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> others.add(new Other(e.getKey(), e.getValue())));
    return others;
  }

  /** The warning line; every value read from Redis is escaped ({@link Visible}). */
  static String warning(String self, String handler, String namespace, List<Other> others) {
    return "node " + v(self) + " runs handler '" + v(handler) + "', but live node(s) "
        + others.stream().map(o -> v(o.node()) + " run(s) handler '" + v(o.handler()) + "'").collect(Collectors.joining(", "))
        + " in namespace '" + v(namespace) + "': every message goes to whichever node claims it first; run one handler"
        + " per namespace (give the other handler its own namespace)";
  }

  /** Fields of {@code <ns>:handlers} whose node is no longer a member of {@code <ns>:nodes}. */
  static List<String> forgotten(Map<String, Double> heartbeats, Map<String, String> handlers) {
    return handlers.keySet().stream().filter(node -> !heartbeats.containsKey(node)).sorted().toList();
  }

  private static String v(String value) {
    return Visible.escape(value);
  }
}
