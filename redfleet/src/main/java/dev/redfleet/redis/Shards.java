package dev.redfleet.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The shards of a namespace's queue (docs/DESIGN.md, "Shards"): with one (the default) the shard
 * is the namespace itself, same tag and key names as before shards existed; with N > 1 each shard
 * has its own hash tag ({@link Keys#shardTag}) and its own data keys, and the fleet-wide keys stay
 * under the namespace's tag.
 *
 * <p>Ids: a shard hands out its own gap-free ids (its {@code seq}), audited in its own audit.
 * What a handler, the errors output and a sender see is the fleet-wide id {@code (local - 1) * N +
 * s + 1}, the identity with one shard, from which the shard and the local id come back.
 */
public final class Shards {
  private final Keys fleet;
  private final List<Keys> shards;

  public Shards(Keys fleet, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("shards must be at least 1: " + count);
    }
    this.fleet = fleet;
    List<Keys> all = new ArrayList<>(count);
    if (count == 1) {
      all.add(fleet);
    } else {
      for (int s = 0; s < count; s++) {
        all.add(fleet.shard(Keys.shardTag(fleet.namespace(), s, count)));
      }
    }
    this.shards = Collections.unmodifiableList(all);
  }

  /** One shard: the namespace's own keys. */
  public static Shards one(Keys fleet) {
    return new Shards(fleet, 1);
  }

  /** The fleet-wide keys (and, with one shard, the data keys too). */
  public Keys fleet() {
    return fleet;
  }

  public int count() {
    return shards.size();
  }

  /** The keys of shard {@code s}, 0-based. */
  public Keys shard(int s) {
    return shards.get(s);
  }

  public List<Keys> all() {
    return shards;
  }

  /** The fleet-wide id of shard {@code s}'s id {@code local}. */
  public long globalId(int s, long local) {
    return (local - 1) * shards.size() + s + 1;
  }

  /** The shard a fleet-wide id is in. */
  public int shardOf(long global) {
    return (int) ((global - 1) % shards.size());
  }

  /** A fleet-wide id's id in its shard. */
  public long localId(long global) {
    return (global - 1) / shards.size() + 1;
  }

  /**
   * The shard's part of a fleet-wide limit: how many of the ids 1..limit are in shard {@code s}
   * (0 = unbounded stays 0). Each shard stops at its part, so the fleet produces ids 1..limit.
   */
  public long shardLimit(int s, long limit) {
    if (limit <= 0) {
      return 0;
    }
    int n = shards.size();
    if (limit <= s) {
      // no id of this shard is within the limit: -1 tells the caller to skip it
      return -1;
    }
    return (limit - s - 1) / n + 1;
  }

  /** The shard of a message key: hash(key) mod N, so that one key's messages stay on one shard. */
  public int shardOfKey(String key) {
    return Math.floorMod(key.hashCode(), shards.size());
  }
}
