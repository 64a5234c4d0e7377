package dev.redfleet.redis;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;

/**
 * The event-bus addresses of one node. A node's verticles talk over the local event bus
 * (leadership changes, leaving, anchor reconnections); several nodes may share one Vert.x (one
 * process serving two namespaces, each a queue with its own handler), so every address carries the
 * node's scope, given to each verticle in its deployment config. A verticle deployed without one
 * (a test deploying it alone) uses the bare address.
 */
public final class NodeScope {
  /** The deployment config field that holds the scope. */
  public static final String CONFIG_FIELD = "redfleetNodeScope";

  private NodeScope() {}

  /** {@code base}, scoped to the node that deployed the verticle whose config this is. */
  public static String address(JsonObject verticleConfig, String base) {
    String scope = verticleConfig == null ? "" : verticleConfig.getString(CONFIG_FIELD, "");
    return scope.isEmpty() ? base : base + "/" + scope;
  }

  /** {@code base}, scoped to {@code scope}. */
  public static String address(String scope, String base) {
    return address(new JsonObject().put(CONFIG_FIELD, scope), base);
  }

  /** Deployment options that give a verticle this node's scope. */
  public static DeploymentOptions deployment(String scope) {
    return new DeploymentOptions().setConfig(new JsonObject().put(CONFIG_FIELD, scope));
  }
}
