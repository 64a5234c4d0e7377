package dev.redfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of three masters, no replicas, on free loopback ports (each port + 10000, the
 * cluster bus, must be free too), created with {@code redis-cli --cluster create}.
 */
public final class ClusterRedis implements AutoCloseable {
  public final List<RedisServer> masters = new ArrayList<>();

  public ClusterRedis() {
    try {
      for (int i = 0; i < 3; i++) {
        int port = RedisServer.freePort();
        while (port > 50_000) {
          port = RedisServer.freePort();
        }
        Path conf = Files.createTempDirectory("redfleet-cluster").resolve("nodes.conf");
        masters.add(RedisServer.startOn(port, "--cluster-enabled", "yes", "--cluster-config-file", conf.toString(),
            "--cluster-node-timeout", "2000"));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      masters.forEach(m -> create.add("127.0.0.1:" + m.port()));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      Path log = Files.createTempFile("redfleet-cluster-create", ".log");
      Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(log));
      }
      for (RedisServer m : masters) {
        try (TestRedis r = new TestRedis(m.url(), "x")) {
          Waits.until("cluster_state:ok on " + m.port(), Duration.ofSeconds(30),
              () -> r.string("CLUSTER", "INFO").contains("cluster_state:ok"));
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

  /** The master that serves {@code key}'s slot. */
  public RedisServer masterOf(String key) {
    try (TestRedis any = new TestRedis(masters.get(0).url(), "x")) {
      long slot = any.number("CLUSTER", "KEYSLOT", key);
      for (RedisServer m : masters) {
        try (TestRedis r = new TestRedis(m.url(), "x")) {
          String nodes = r.string("CLUSTER", "NODES");
          for (String line : nodes.split("\n")) {
            if (line.contains("myself") && line.contains("master")) {
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
    RedisServer source = masterOf(key);
    try (TestRedis from = new TestRedis(source.url(), "x"); TestRedis to = new TestRedis(target.url(), "x")) {
      long slot = from.number("CLUSTER", "KEYSLOT", key);
      String fromId = from.string("CLUSTER", "MYID");
      String toId = to.string("CLUSTER", "MYID");
      to.call("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
      from.call("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
      long moved = 0;
      while (true) {
        io.vertx.redis.client.Response keys = from.call("CLUSTER", "GETKEYSINSLOT", slot, 5);
        if (keys == null || keys.size() == 0) {
          break;
        }
        List<Object> args = new ArrayList<>(List.of("127.0.0.1", target.port(), "", 0, 5000, "KEYS"));
        for (io.vertx.redis.client.Response k : keys) {
          args.add(k.toString());
        }
        from.call("MIGRATE", args.toArray());
        moved += keys.size();
        Waits.pause(20);   // let the fleet's commands in between: they see ASK and TRYAGAIN
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
    masters.forEach(RedisServer::close);
  }
}
