package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Docker;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The user's path, for real: the Dockerfile built on a local base image, docker-compose.yml up
 * with three node replicas and Redis (AOF), one generator among three nodes, SIGKILL of the
 * generator's container, the takeover, then `docker-compose stop` (SIGTERM: exit 143) and an
 * audit in which every message has exactly one outcome.
 */
class DockerComposeIT {
  private static final long LIMIT = 1500;
  private static final long LEASE_MS = 2000;

  @Test
  void composeFleetSurvivesSigkillOfTheGeneratorContainerAndLosesNothing() throws Exception {
    Docker.requireEngineAndBaseImage();
    String image = "redfleet:it";
    long buildStart = System.nanoTime();
    Docker.buildImage(image);
    System.out.println("FIGURE docker build (prebuilt jar, local base): " + (System.nanoTime() - buildStart) / 1_000_000 + " ms");
    String size = Docker.run(Map.of(), 20, "docker", "image", "inspect", "--format", "{{.Size}}", image).output().trim();
    System.out.println("FIGURE image size: " + Long.parseLong(size) / 1_000_000 + " MB");
    String user = Docker.run(Map.of(), 20, "docker", "image", "inspect", "--format", "{{.Config.User}}", image).output().trim();
    assertThat(user).as("the image runs as a non-root user").isEqualTo("redfleet");

    int port = RedisServer.freePort();
    String project = "redfleetit" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    Map<String, String> env = new HashMap<>(Map.of(
        "REDIS_IMAGE", Docker.BASE_IMAGE, "REDFLEET_IMAGE", image, "REDIS_PORT", Integer.toString(port),
        "REDFLEET_INTERVAL_MS", "10", "REDFLEET_LIMIT", Long.toString(LIMIT), "REDFLEET_MAX_DELAY_MS", "100",
        "REDFLEET_LEASE_MS", Long.toString(LEASE_MS), "REDFLEET_HEARTBEAT_MS", "250", "REDFLEET_STALE_MS", "1500"));
    env.put("REDFLEET_BLOCK_MS", "500");
    String[] compose = {"docker-compose", "-p", project, "-f", "docker-compose.yml"};
    TestRedis redis = null;
    try {
      long upStart = System.nanoTime();
      Docker.Result up = Docker.run(env, 180, concat(compose, "up", "-d", "--scale", "node=3"));
      assertThat(up.exitCode()).as(up.output()).isZero();
      redis = new TestRedis("redis://127.0.0.1:" + port, "redfleet");
      TestRedis r = redis;
      Waits.until("the first message", Duration.ofSeconds(120), () -> r.stat("produced") > 0);
      System.out.println("FIGURE compose up to first message: " + (System.nanoTime() - upStart) / 1_000_000 + " ms");
      Waits.until("three nodes in the fleet", Duration.ofSeconds(60), () -> r.number("ZCARD", r.keys.nodes()) == 3);

      List<String> containers = Docker.run(env, 30, concat(compose, "ps", "-q", "node")).output().lines()
          .filter(l -> !l.isBlank()).toList();
      assertThat(containers).hasSize(3);
      String token = r.string("GET", r.keys.leader());
      String leaderNode = token.substring(0, token.lastIndexOf(':'));
      String generator = null;
      int generators = 0;
      for (String c : containers) {
        String logs = Docker.run(Map.of(), 30, "docker", "logs", c).output();
        generators += logs.contains("is now the generator") ? 1 : 0;
        if (logs.contains("node " + leaderNode + " joins")) {
          generator = c;
        }
      }
      assertThat(generators).as("containers that became the generator").isEqualTo(1);
      assertThat(generator).as("the container of " + leaderNode).isNotNull();

      Docker.run(Map.of(), 30, "docker", "kill", "-s", "KILL", generator);
      long killed = System.nanoTime();
      Waits.until("another node to take over", Duration.ofSeconds(30), () -> {
        String now = r.string("GET", r.keys.leader());
        return now != null && !now.equals(token);
      });
      long takeover = (System.nanoTime() - killed) / 1_000_000;
      System.out.println("FIGURE takeover after SIGKILL of the generator's container: " + takeover + " ms");
      assertThat(takeover).isLessThan(LEASE_MS + 5000);

      Waits.until(LIMIT + " outcomes", Duration.ofSeconds(180), () -> r.stat("processed") >= LIMIT);
      // SIGTERM to the nodes only: Redis stays up for the audit
      Docker.Result stop = Docker.run(env, 120, concat(compose, "stop", "node"));
      assertThat(stop.exitCode()).as(stop.output()).isZero();
      for (String c : containers) {
        String code = Docker.run(Map.of(), 30, "docker", "inspect", "--format", "{{.State.ExitCode}}", c).output().trim();
        assertThat(code).as("exit code of " + c).isEqualTo(c.equals(generator) ? "137" : "143");
      }

      // the audit: every id from 1 to LIMIT has exactly one outcome, nothing waits anywhere
      assertThat(r.stat("produced")).isEqualTo(LIMIT);
      assertThat(r.stat("processed")).isEqualTo(LIMIT);
      assertThat(r.stat("duplicates")).isZero();
      assertThat(r.number("LLEN", r.keys.queue())).isZero();
      BitSet ids = r.auditedIds();
      assertThat(ids.cardinality()).isEqualTo((int) LIMIT);
      assertThat(ids.nextClearBit(1)).isEqualTo((int) LIMIT + 1);
      assertThat(r.number("LLEN", r.keys.errors())).isEqualTo(r.stat("failed"));
    } finally {
      if (redis != null) {
        redis.close();
      }
      Docker.Result logs = Docker.run(env, 60, concat(compose, "logs", "--no-color", "--tail", "40"));
      System.out.println("compose logs (tail):\n" + logs.output());
      Docker.run(env, 120, concat(compose, "down", "-v", "-t", "20"));
      // the images this test made: the node image and the build stage's leftover
      Docker.run(Map.of(), 60, "docker", "rmi", "-f", image);
      Docker.run(Map.of(), 60, "docker", "image", "prune", "-f", "--filter", "label=dev.redfleet.stage=build");
    }
  }

  private static String[] concat(String[] head, String... tail) {
    String[] all = new String[head.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }
}
