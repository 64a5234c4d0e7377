package dev.redfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Several queues in one process: a namespace is a queue, and one program runs one embedded node
 * per namespace on one shared Vert.x, each with its own handler (as a user with two job types
 * would, with neither two JVMs nor a fork). Only dev.redfleet.api types, against a real redis-server.
 */
class TwoQueuesInOneProcessTest extends RedisTestBase {

  @Test
  void twoNamespacesOnOneVertxEachHandleOnlyTheirOwnMessagesAndElectTheirOwnLeader() throws Exception {
    Vertx shared = Vertx.vertx();
    Map<String, String> imagesSeen = new ConcurrentHashMap<>();
    Map<String, String> emailsSeen = new ConcurrentHashMap<>();
    // the emails queue's generator is elsewhere (its own Vert.x) and handles nothing: in this
    // process the emails node is a follower, and it alone handles the emails
    RedfleetNode emailsGenerator = TestRedis.await(Redfleet.node().env(Map.of())
        .args("--redis", server.url(), "--namespace", "emails", "--node-id", "emails-gen", "--source", "none",
            "--leader-handles", "false")
        .handler(m -> Future.failedFuture("the generator must not handle"))
        .start());
    try {
      Waits.until("emails-gen leads the emails queue", Duration.ofSeconds(10),
          () -> String.valueOf(redis.string("GET", "{emails}:leader")).startsWith("emails-gen:"));
      // the same node id in both namespaces: a node's event-bus scope is its namespace and id.
      // The emails node starts first, so it is listening when the images node is elected: it must
      // not take the images queue's election for its own (it would stand aside and handle nothing)
      RedfleetNode emails = TestRedis.await(Redfleet.node().vertx(shared).env(Map.of())
          .args("--redis", server.url(), "--namespace", "emails", "--node-id", "app-1", "--source", "none",
              "--leader-handles", "false")
          .blockingHandler(m -> emailsSeen.merge(m.body(), "emails", (a, b) -> a + "+" + b))
          .start());
      RedfleetNode images = TestRedis.await(Redfleet.node().vertx(shared).env(Map.of())
          .args("--redis", server.url(), "--namespace", "images", "--node-id", "app-1", "--source", "none")
          .handler(m -> {
            imagesSeen.merge(m.body(), "images", (a, b) -> a + "+" + b);
            return Future.succeededFuture();
          })
          .start());
      Waits.until("app-1 leads the images queue", Duration.ofSeconds(10),
          () -> String.valueOf(redis.string("GET", "{images}:leader")).startsWith("app-1:"));

      RedfleetClient toImages = TestRedis.await(Redfleet.client().vertx(shared).redis(server.url()).namespace("images").connect());
      RedfleetClient toEmails = TestRedis.await(Redfleet.client().vertx(shared).redis(server.url()).namespace("emails").connect());
      List<NewMessage> imageJobs = new ArrayList<>();
      List<NewMessage> emailJobs = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        imageJobs.add(NewMessage.of("image-" + i));
        emailJobs.add(NewMessage.of("email-" + i));
      }
      TestRedis.await(toImages.sendAll(imageJobs));
      TestRedis.await(toEmails.sendAll(emailJobs));

      Waits.until("both queues handled", Duration.ofSeconds(30), () -> imagesSeen.size() == 300 && emailsSeen.size() == 300);
      assertThat(imagesSeen.keySet()).allMatch(body -> body.startsWith("image-"));
      assertThat(emailsSeen.keySet()).allMatch(body -> body.startsWith("email-"));
      assertThat(Set.copyOf(imagesSeen.values())).containsExactly("images");
      assertThat(Set.copyOf(emailsSeen.values())).containsExactly("emails");
      // each namespace has its own generator
      assertThat(redis.string("GET", "{images}:leader")).startsWith("app-1:");
      assertThat(redis.string("GET", "{emails}:leader")).startsWith("emails-gen:");
      // a handler's answer is recorded by the worker's next finish call, just after the handler ran
      Waits.until("every outcome recorded in both queues", Duration.ofSeconds(10),
          () -> redis.number("BITCOUNT", "{images}:audit:0") == 300 && redis.number("BITCOUNT", "{emails}:audit:0") == 300);
      assertThat(redis.number("HGET", "{images}:stats", "duplicates") + redis.number("HGET", "{emails}:stats", "duplicates")).isZero();

      TestRedis.await(toImages.close());
      TestRedis.await(toEmails.close());
      TestRedis.await(images.stop());
      // stopping one queue's node leaves the other running: it still takes new work
      RedfleetClient again = TestRedis.await(Redfleet.client().vertx(shared).redis(server.url()).namespace("emails").connect());
      TestRedis.await(again.send("email-after"));
      Waits.until("the emails node still handles", Duration.ofSeconds(10), () -> emailsSeen.containsKey("email-after"));
      TestRedis.await(again.close());
      TestRedis.await(emails.stop());
    } finally {
      TestRedis.await(emailsGenerator.stop());
      TestRedis.await(shared.close());
    }
  }
}
