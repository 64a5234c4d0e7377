package dev.redfleet.election;

import io.vertx.core.json.JsonObject;

/**
 * A change of this node's role, announced on the local event bus at {@link #ADDRESS}.
 *
 * @param leader whether this node now holds the lease
 * @param epoch the epoch of the lease held (0 when not leader)
 * @param token the fencing token {@code <nodeId>:<epoch>} the generator must present (null when not leader)
 */
public record Leadership(boolean leader, long epoch, String token) {
  public static final String ADDRESS = "redfleet.leadership";
  /**
   * The generator asks the election to give the lease of {@code epoch} up, because it cannot
   * produce: {@code {"epoch": N, "reason": "..."}}.
   */
  /**
   * Published (no body) when the node starts leaving the fleet, before the election lets the
   * lease go: from then on the workers take nothing new, even if the node stops being the generator.
   */
  public static final String LEAVING_ADDRESS = "redfleet.leaving";
  public static final String GIVE_UP_ADDRESS = "redfleet.leadership.give-up";

  public static Leadership follower() {
    return new Leadership(false, 0, null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("leader", leader).put("epoch", epoch).put("token", token);
  }

  public static Leadership fromJson(JsonObject json) {
    return new Leadership(json.getBoolean("leader"), json.getLong("epoch"), json.getString("token"));
  }
}
