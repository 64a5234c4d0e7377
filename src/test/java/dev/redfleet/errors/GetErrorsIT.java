package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** getErrors as real processes: two at once print disjoint sets that together are everything. */
class GetErrorsIT extends RedisTestBase {
  private static final int ENTRIES = 30_000;

  @BeforeEach
  void fill() {
    redis.fillErrors(ENTRIES);
  }

  @Test
  void twoConcurrentReadersNeverPrintTheSameErrorAndTogetherPrintAll() throws Exception {
    List<String> command = List.of("getErrors", "--json", "--redis", server.url(), "--namespace", "test");
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
