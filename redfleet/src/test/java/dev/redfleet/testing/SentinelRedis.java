package dev.redfleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A master, one replica and three sentinels ({@code redis-server FILE --sentinel}) on free
 * loopback ports, master name {@code mymaster}, down-after 1000 ms. The master writes an
 * append-only file with fsync on every write, so after a SIGKILL the test can still read exactly
 * what the old master had acknowledged ({@link #openKilledMaster}).
 */
public final class SentinelRedis implements AutoCloseable {
  public static final String MASTER_NAME = "mymaster";

  public final RedisServer master;
  public final RedisServer replica;
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private RedisServer reopened;

  private final String sentinelUserInfo;

  public SentinelRedis() {
    this(null, null);
  }

  /**
   * With {@code password} the master and the replica require it ({@code requirepass},
   * {@code masterauth}, {@code sentinel auth-pass}); with {@code sentinelPassword} the sentinels
   * themselves require theirs ({@code requirepass} in sentinel.conf, also used between sentinels).
   */
  public SentinelRedis(String password, String sentinelPassword) {
    this(password, sentinelPassword, List.of());
  }

  /** With {@code replicaArgs} added to the replica's redis-server arguments (it may become the master). */
  public static SentinelRedis withReplicaArgs(String... replicaArgs) {
    return new SentinelRedis(null, null, List.of(replicaArgs));
  }

  private SentinelRedis(String password, String sentinelPassword, List<String> moreReplicaArgs) {
    sentinelUserInfo = sentinelPassword == null ? "" : ":" + sentinelPassword + "@";
    String dataUserInfo = password == null ? "" : ":" + password + "@";
    List<String> auth = password == null ? List.of() : List.of("--requirepass", password, "--masterauth", password);
    try {
      List<String> masterArgs = new ArrayList<>(List.of("--appendonly", "yes", "--appendfsync", "always"));
      masterArgs.addAll(auth);
      master = RedisServer.start(masterArgs.toArray(String[]::new));
      List<String> replicaArgs = new ArrayList<>(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
      replicaArgs.addAll(auth);
      replicaArgs.addAll(moreReplicaArgs);
      replica = RedisServer.start(replicaArgs.toArray(String[]::new));
      try (TestRedis r = new TestRedis("redis://" + dataUserInfo + "127.0.0.1:" + replica.port(), "x")) {
        Waits.until("the replica to sync", Duration.ofSeconds(20), () -> {
          try {
            return r.string("INFO", "replication").contains("master_link_status:up");
          } catch (Throwable syncing) {
            return false;
          }
        });
      }
      for (int i = 0; i < 3; i++) {
        int port = RedisServer.freePort();
        Path dir = Files.createTempDirectory("redfleet-sentinel");
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(conf, String.join("\n",
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir,
            "logfile " + dir.resolve("sentinel.log"),
            "sentinel resolve-hostnames no",
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            "sentinel parallel-syncs " + MASTER_NAME + " 1",
            password == null ? "" : "sentinel auth-pass " + MASTER_NAME + " " + password,
            sentinelPassword == null ? "" : "requirepass " + sentinelPassword, ""));
        sentinels.add(new ProcessBuilder(RedisServer.binary(), conf.toString(), "--sentinel")
            .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start());
        sentinelPorts.add(port);
      }
      for (int port : sentinelPorts) {
        try (TestRedis s = new TestRedis("redis://" + sentinelUserInfo + "127.0.0.1:" + port, "x")) {
          Waits.until("sentinel " + port + " to see the replica and the other sentinels", Duration.ofSeconds(30), () -> {
            try {
              String info = s.call("SENTINEL", "MASTER", MASTER_NAME).toString();
              return info.contains("num-slaves: 1,") && info.contains("num-other-sentinels: 2,");
            } catch (Throwable notYet) {
              return false;
            }
          });
        }
      }
    } catch (IOException e) {
      close();
      throw new IllegalStateException(e);
    }
  }

  /** {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}. */
  public String url() {
    return "redis-sentinel://" + String.join(",", sentinelPorts.stream().map(p -> "127.0.0.1:" + p).toList());
  }

  /** Whether every sentinel lists the server on {@code port} as a replica of the current master. */
  public boolean sentinelsKnowReplica(int port) {
    for (int sentinel : sentinelPorts) {
      try (TestRedis s = new TestRedis("redis://" + sentinelUserInfo + "127.0.0.1:" + sentinel, "x")) {
        // the old master stays listed while it is down ("flags: s_down,slave"): it must be up again
        String all = s.call("SENTINEL", "REPLICAS", MASTER_NAME).toString();
        int at = all.indexOf("port: " + port + ",");
        if (at < 0) {
          return false;
        }
        int next = all.indexOf("name:", at);
        if (!all.substring(at, next < 0 ? all.length() : next).contains("flags: slave,")) {
          return false;
        }
      } catch (Throwable notYet) {
        return false;
      }
    }
    return true;
  }

  /** {@code SENTINEL FAILOVER}: a planned switch, both servers alive; returns once the sentinels name the other one. */
  public void failover() {
    int before = masterPort();
    try (TestRedis s = new TestRedis("redis://" + sentinelUserInfo + "127.0.0.1:" + sentinelPorts.get(0), "x")) {
      s.call("SENTINEL", "FAILOVER", MASTER_NAME);
    }
    Waits.until("the sentinels to name the new master", Duration.ofSeconds(30), () -> {
      try {
        return masterPort() != before;
      } catch (Throwable notYet) {
        return false;
      }
    });
  }

  /** The port the sentinels currently name as master. */
  public int masterPort() {
    try (TestRedis s = new TestRedis("redis://" + sentinelUserInfo + "127.0.0.1:" + sentinelPorts.get(0), "x")) {
      return s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).get(1).toInteger();
    }
  }

  /**
   * After {@code master.kill()}: a separate redis-server (not known to the sentinels) on a copy of
   * the killed master's data, to read what it had acknowledged.
   */
  public TestRedis openKilledMaster(String namespace) {
    reopened = master.openCopyOfData();
    return TestRedis.afterLoading(reopened.url(), namespace);
  }

  @Override
  public void close() {
    for (Process s : sentinels) {
      s.destroyForcibly();
      try {
        s.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (RedisServer r : new RedisServer[] {master, replica, reopened}) {
      if (r != null) {
        r.close();
      }
    }
  }
}
