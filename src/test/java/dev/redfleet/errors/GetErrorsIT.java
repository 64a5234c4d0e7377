package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** getErrors as real processes: two at once print disjoint sets that together are everything. */
class GetErrorsIT {
  private static final int ENTRIES = 30_000;
  private RedisServer server;
  private TestRedis redis;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "redfleet");
    List<Object> args = new ArrayList<>();
    args.add(redis.keys.errors());
    for (int i = 1; i <= ENTRIES; i++) {
      args.add("{\"id\":" + i + ",\"epoch\":1,\"body\":\"b\",\"error\":\"boom\",\"node\":\"n\",\"at\":1}");
      if (args.size() > 1000 || i == ENTRIES) {
        redis.call("LPUSH", args.toArray());
        args.subList(1, args.size()).clear();
      }
    }
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  @Test
  void twoConcurrentReadersNeverPrintTheSameErrorAndTogetherPrintAll() throws Exception {
    List<String> command = List.of("getErrors", "--json", "--redis", server.url());
    CompletableFuture<FleetProcess.Result> a = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    CompletableFuture<FleetProcess.Result> b = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    Set<Long> fromA = ids(a.get());
    Set<Long> fromB = ids(b.get());
    System.out.println("FIGURE concurrent getErrors: reader A printed " + fromA.size() + ", reader B " + fromB.size());
    Set<Long> both = new HashSet<>(fromA);
    both.retainAll(fromB);
    assertThat(both).isEmpty();
    Set<Long> all = new HashSet<>(fromA);
    all.addAll(fromB);
    assertThat(all).hasSize(ENTRIES);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();

    FleetProcess.Result again = FleetProcess.oneShot(command);
    assertThat(again.exitCode()).isZero();
    assertThat(again.lines()).isEmpty();
  }

  private static Set<Long> ids(FleetProcess.Result result) {
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    Set<Long> ids = new HashSet<>();
    for (String line : result.lines()) {
      assertThat(ids.add(new JsonObject(line).getLong("id"))).as("printed twice by one reader").isTrue();
    }
    return ids;
  }
}
