package dev.redfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of three masters, with no replicas or one per master, on free loopback ports
 * (each port + 10000, the cluster bus, must be free too), created with
 * {@code redis-cli --cluster create}.
 */
public final class ClusterRedis implements AutoCloseable {
  /** The servers created as masters (after a failover one of them may be dead or a replica). */
  public final List<RedisServer> masters = new ArrayList<>();
  /** The servers created as replicas, one per master when asked for. */
  public final List<RedisServer> replicas = new ArrayList<>();

  public ClusterRedis() {
    this(0);
  }

  /** @param replicasPerMaster 0 or 1 */
  public ClusterRedis(int replicasPerMaster) {
    try {
      for (int i = 0; i < 3 * (1 + replicasPerMaster); i++) {
        int port = RedisServer.freePort();
        while (port > 50_000) {
          port = RedisServer.freePort();
        }
        Path conf = Files.createTempDirectory("redfleet-cluster").resolve("nodes.conf");
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file", conf.toString(),
            "--cluster-node-timeout", "2000"));
        if (replicasPerMaster > 0) {
          // a failover test: append-only with fsync always, so a killed master's acknowledged writes can be read back
          args.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        }
        RedisServer server = RedisServer.startOn(port, args.toArray(String[]::new));
        (i < 3 ? masters : replicas).add(server);
      }
      // redis-cli makes the first three given the masters and pairs the rest with them as replicas
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      masters.forEach(m -> create.add("127.0.0.1:" + m.port()));
      replicas.forEach(r -> create.add("127.0.0.1:" + r.port()));
      create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
      Path log = Files.createTempFile("redfleet-cluster-create", ".log");
      Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(log));
      }
      for (RedisServer m : all()) {
        try (TestRedis r = new TestRedis(m.url(), "x")) {
          Waits.until("cluster_state:ok on " + m.port(), Duration.ofSeconds(30),
              () -> r.string("CLUSTER", "INFO").contains("cluster_state:ok"));
        }
      }
      for (RedisServer replica : replicas) {
        try (TestRedis r = new TestRedis(replica.url(), "x")) {
          Waits.until("replica " + replica.port() + " to sync", Duration.ofSeconds(30),
              () -> r.string("INFO", "replication").contains("master_link_status:up"));
        }
      }
    } catch (IOException e) {
      close();
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException(e);
    }
  }

  /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}. */
  public String url() {
    return "redis-cluster://" + String.join(",", masters.stream().map(m -> "127.0.0.1:" + m.port()).toList());
  }

  private List<RedisServer> all() {
    List<RedisServer> all = new ArrayList<>(masters);
    all.addAll(replicas);
    return all;
  }

  /** The replica that follows {@code master}. */
  public RedisServer replicaOf(RedisServer master) {
    for (RedisServer replica : replicas) {
      try (TestRedis r = new TestRedis(replica.url(), "x")) {
        if (r.string("INFO", "replication").contains("master_port:" + master.port() + "\r")) {
          return replica;
        }
      }
    }
    throw new IllegalStateException("no replica follows " + master.port());
  }

  /** The slot of {@code key}, asked of any live server. */
  public long slotOf(String key) {
    for (RedisServer m : all()) {
      try (TestRedis r = new TestRedis(m.url(), "x")) {
        return r.number("CLUSTER", "KEYSLOT", key);
      } catch (Throwable dead) {
        // a killed server: ask the next
      }
    }
    throw new IllegalStateException("no live cluster node");
  }

  /** The live server that is master of {@code key}'s slot (after a failover, a promoted replica). */
  public RedisServer masterOf(String key) {
    long slot = slotOf(key);
    for (RedisServer m : all()) {
      String nodes;
      try (TestRedis r = new TestRedis(m.url(), "x")) {
        nodes = r.string("CLUSTER", "NODES");
      } catch (Throwable dead) {
        continue;
      }
      for (String line : nodes.split("\n")) {
        if (!line.contains("myself") || !line.contains("master")) {
          continue;
        }
        String[] fields = line.trim().split(" ");
        for (int i = 8; i < fields.length; i++) {
          String[] range = fields[i].split("-");
          if (range[0].startsWith("[")) {
            continue;
          }
          long from = Long.parseLong(range[0]);
          long to = range.length > 1 ? Long.parseLong(range[1]) : from;
          if (slot >= from && slot <= to) {
            return m;
          }
        }
      }
    }
    throw new IllegalStateException("no master serves " + key);
  }

  /**
   * Moves the slot of {@code key} from its master to {@code target} while clients keep working:
   * IMPORTING/MIGRATING, MIGRATE of its keys in batches, then SETSLOT NODE on every master (the
   * steps {@code redis-cli --cluster reshard} takes for one slot). Returns the number of keys moved.
   */
  public long migrateSlotOf(String key, RedisServer target) {
    return migrateSlotOf(key, target, 5, 20);
  }

  /**
   * {@link #migrateSlotOf(String, RedisServer)} with {@code keysPerBatch} keys per MIGRATE and
   * {@code pauseMs} between two: smaller batches and longer pauses keep the slot half moved longer,
   * so that more of the fleet's calls meet ASK (a key already moved) and TRYAGAIN (a script's keys
   * on both sides).
   */
  public long migrateSlotOf(String key, RedisServer target, int keysPerBatch, long pauseMs) {
    RedisServer source = masterOf(key);
    try (TestRedis from = new TestRedis(source.url(), "x"); TestRedis to = new TestRedis(target.url(), "x")) {
      long slot = from.number("CLUSTER", "KEYSLOT", key);
      String fromId = from.string("CLUSTER", "MYID");
      String toId = to.string("CLUSTER", "MYID");
      to.call("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
      from.call("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
      long moved = 0;
      while (true) {
        io.vertx.redis.client.Response keys = from.call("CLUSTER", "GETKEYSINSLOT", slot, keysPerBatch);
        if (keys == null || keys.size() == 0) {
          break;
        }
        List<Object> args = new ArrayList<>(List.of("127.0.0.1", target.port(), "", 0, 5000, "KEYS"));
        for (io.vertx.redis.client.Response k : keys) {
          args.add(k.toString());
        }
        from.call("MIGRATE", args.toArray());
        moved += keys.size();
        Waits.pause(pauseMs);   // let the fleet's commands in between: they see ASK and TRYAGAIN
      }
      for (RedisServer m : masters) {
        try (TestRedis r = new TestRedis(m.url(), "x")) {
          r.call("CLUSTER", "SETSLOT", slot, "NODE", toId);
        }
      }
      return moved;
    }
  }

  @Override
  public void close() {
    all().forEach(RedisServer::close);
  }
}
