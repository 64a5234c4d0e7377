package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.errors.ErrorRequeuer;
import dev.redfleet.testing.DevToolsBrowser;
import dev.redfleet.testing.Entries;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The page's buttons clicked in a real headless Chromium (driven over the DevTools protocol) on a
 * fleet node with an HTTP token whose handler failed every message sent to it: a wrong token is refused
 * (401) and changes nothing, then pause, requeue one, delete one, requeue all and resume, each
 * read back from Redis. The errors table shows the body, attempts, reason, node and time, and
 * hostile entry text stays text. The token appears nowhere in the page or the node's log.
 */
class PageActionsIT {
  private static final int LIMIT = 20;
  private static final String HOSTILE = "<img src=x id=pwned onerror=\"document.body.dataset.pwned=1\">"
      + "</td></tr><script>document.body.dataset.pwned=2</script> and more text to go past eighty characters";

  private final String token = "page-tok-" + Long.toHexString(System.nanoTime());
  private final Fleet fleet = new Fleet(List.of());
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() {
    fleet.close();
  }

  private List<JsonObject> errors() {
    List<JsonObject> out = new ArrayList<>();
    fleet.redis.call("LRANGE", fleet.redis.keys.errors(), 0, -1).forEach(r -> out.add(new JsonObject(r.toString())));
    return out;
  }

  private List<JsonObject> queue() {
    List<JsonObject> out = new ArrayList<>();
    fleet.redis.call("LRANGE", fleet.redis.keys.queue(), 0, -1).forEach(r -> out.add(Entries.json(r.toString())));
    return out;
  }

  private int post(String url, String authorization, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** Clicks what {@code selector} names and waits for the action's answer; returns its HTTP status. */
  private static long click(DevToolsBrowser.Page page, String selector) throws Exception {
    long before = page.number("Number(document.body.dataset.actionsDone || 0)");
    page.evaluate("document.querySelector('" + selector + "').click()");
    page.waitFor("the answer to a click on " + selector, "Number(document.body.dataset.actionsDone || 0) > " + before,
        Duration.ofSeconds(10));
    return page.number("Number(document.body.dataset.lastStatus)");
  }

  @Test
  void buttonsPauseRequeueDeleteAndResumeBehindTheToken() throws Exception {
    Path tokenFile = Files.writeString(Files.createTempFile("redfleet-page-token", ""), token + "\n");
    // one node that handles what is sent to it, and fails every message
    FleetProcess node = fleet.start("--source", "none", "--error-rate", "1", "--max-delay-ms", "0",
        "--http-port", "0", "--http-token-file", tokenFile.toString());
    String url = "http://127.0.0.1:" + Http.portOf(node) + "/";
    Waits.until("node1 healthy", Duration.ofSeconds(60), () -> Http.get(url + "health").status() == 200);
    JsonArray messages = new JsonArray();
    for (int i = 1; i <= LIMIT; i++) {
      messages.add(new JsonObject().put("body", "message " + i + (i % 2 == 0 ? " " + "long ".repeat(30) : "")));
    }
    assertThat(post(url + "messages", "Bearer " + token, messages.encode())).isEqualTo(202);
    fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(60));
    Waits.until("every failure in the errors list", Duration.ofSeconds(10),
        () -> fleet.redis.number("LLEN", fleet.redis.keys.errors()) == LIMIT);
    // a failed message whose body is markup, the newest entry
    String hostile = new JsonObject().put("id", 999).put("epoch", 0).put("ts", 5).put("body", HOSTILE).put("attempt", 3)
        .put("error", "boom <b>bold</b>").put("attempts", 3).put("node", "node<i>1</i>").put("at", 1700000000000L).encode();
    fleet.redis.call("LPUSH", fleet.redis.keys.errors(), hostile);

    // without the token, or with a wrong one, every action is refused and nothing changes
    for (String path : List.of("api/pause", "api/resume", "api/errors/requeue-all")) {
      assertThat(post(url + path, null, "{}")).as(path).isEqualTo(401);
      assertThat(post(url + path, "Bearer not-" + token, "{}")).as(path).isEqualTo(401);
    }
    String someEntry = fleet.redis.string("LINDEX", fleet.redis.keys.errors(), 1);
    String entryBody = new JsonObject().put("entry", someEntry).encode();
    assertThat(post(url + "api/errors/delete", null, entryBody)).isEqualTo(401);
    assertThat(post(url + "api/errors/requeue", "Bearer " + token + "x", entryBody)).isEqualTo(401);
    assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isEqualTo(LIMIT + 1);
    assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.paused())).isZero();
    assertThat(fleet.seq()).isEqualTo(LIMIT);

    try (DevToolsBrowser browser = DevToolsBrowser.launch()) {
      DevToolsBrowser.Page page = browser.open(url);
      // the hostile entry was pushed last: the node's once-a-second poll may show the table before it
      String row = "#latest tr[data-id=\"999\"]";
      page.waitFor("the errors table with the newest entry", "document.querySelectorAll('#latest tbody tr').length === 5"
          + " && document.querySelector('" + row + "') !== null", Duration.ofSeconds(15));

      // the errors table: body (truncated), attempts, reason, node, time; entry text stays text
      assertThat(page.evaluate("document.getElementById('pwned') === null && document.querySelectorAll('#latest img, "
          + "#latest script, #latest b, #latest i').length === 0 && document.body.dataset.pwned === undefined")).isEqualTo(true);
      String shown = page.string("document.querySelector('" + row + " td.body').textContent");
      assertThat(shown).hasSize(80).startsWith("<img src=x id=pwned onerror=").endsWith("\u2026");
      assertThat(page.string("document.querySelector('" + row + " td.attempts').textContent")).isEqualTo("3");
      assertThat(page.string("document.querySelector('" + row + " td.reason').textContent")).isEqualTo("boom <b>bold</b>");
      assertThat(page.string("document.querySelector('" + row + "').textContent")).contains("node<i>1</i>")
          .contains("2023-11-14 22:13:20.000");
      JsonObject newest = errors().get(1);
      String failedRow = "#latest tr[data-id=\"" + newest.getLong("id") + "\"]";
      assertThat(page.string("document.querySelector('" + failedRow + " td.body').textContent"))
          .isEqualTo(newest.getString("body").length() > 80 ? newest.getString("body").substring(0, 79) + "\u2026"
              : newest.getString("body"));
      assertThat(page.string("document.querySelector('" + failedRow + " td.attempts').textContent")).isEqualTo("1");
      assertThat(page.string("document.querySelector('" + failedRow + " td.reason').textContent"))
          .isEqualTo(newest.getString("error"));

      // pause: the page asks for the token; a wrong one is refused (401) and changes nothing
      assertThat(page.evaluate("document.getElementById('token-box').hidden")).isEqualTo(true);
      page.evaluate("document.getElementById('pause').click()");
      page.waitFor("the token box", "!document.getElementById('token-box').hidden", Duration.ofSeconds(5));
      long before = page.number("Number(document.body.dataset.actionsDone || 0)");
      page.evaluate("document.getElementById('token-input').value = 'wrong-" + token + "'");
      page.evaluate("document.getElementById('token-save').click()");
      page.waitFor("the refusal", "Number(document.body.dataset.actionsDone || 0) > " + before, Duration.ofSeconds(10));
      assertThat(page.number("Number(document.body.dataset.lastStatus)")).isEqualTo(401);
      assertThat(page.string("document.getElementById('action-result').textContent")).contains("401");
      assertThat(page.evaluate("sessionStorage.length")).as("a refused token is not kept").isEqualTo(0);
      assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.paused())).isZero();

      // the right token: the pending pause goes through
      before = page.number("Number(document.body.dataset.actionsDone || 0)");
      page.evaluate("document.getElementById('token-input').value = '" + token + "'");
      page.evaluate("document.getElementById('token-save').click()");
      page.waitFor("the pause", "Number(document.body.dataset.actionsDone || 0) > " + before, Duration.ofSeconds(10));
      assertThat(page.number("Number(document.body.dataset.lastStatus)")).isEqualTo(200);
      JsonObject pause = new JsonObject(fleet.redis.string("GET", fleet.redis.keys.paused()));
      assertThat(pause.getString("by")).isEqualTo("page@127.0.0.1");
      assertThat(page.evaluate("document.getElementById('token-input').value")).isEqualTo("");
      page.waitFor("the badge and resume enabled", "!document.getElementById('paused').hidden"
          + " && !document.getElementById('resume').disabled", Duration.ofSeconds(5));

      // requeue one (paused: its new message waits in the queue)
      long requeuedId = newest.getLong("id");
      assertThat(click(page, failedRow + " button.requeue")).isEqualTo(200);
      assertThat(errors()).extracting(e -> e.getLong("id")).doesNotContain(requeuedId).hasSize(LIMIT);
      List<JsonObject> queued = queue();
      assertThat(queued).hasSize(1);
      assertThat(queued.get(0).getLong("id")).isEqualTo(LIMIT + 1);
      assertThat(queued.get(0).getString("body")).isEqualTo(newest.getString("body"));
      assertThat(queued.get(0).getJsonObject("headers").getString(ErrorRequeuer.REQUEUED_FROM)).isEqualTo(Long.toString(requeuedId));
      assertThat(page.string("document.getElementById('action-result').textContent"))
          .isEqualTo("requeued message " + requeuedId + " as message " + (LIMIT + 1));

      // delete one: two clicks (the first one arms the button)
      page.waitFor("the requeued row gone", "!document.querySelector('#latest tr[data-id=\"" + requeuedId + "\"]')",
          Duration.ofSeconds(5));
      long deletedId = errors().get(1).getLong("id");
      String deleteButton = "#latest tr[data-id=\"" + deletedId + "\"] button.delete";
      page.evaluate("document.querySelector('" + deleteButton + "').click()");
      assertThat(page.string("document.querySelector('" + deleteButton + "').textContent")).isEqualTo("really delete?");
      assertThat(errors()).as("one click deletes nothing").hasSize(LIMIT);
      assertThat(click(page, deleteButton)).isEqualTo(200);
      assertThat(errors()).extracting(e -> e.getLong("id")).doesNotContain(deletedId).hasSize(LIMIT - 1);
      assertThat(fleet.redis.stat("deleted_errors")).isEqualTo(1);
      assertThat(queue()).hasSize(1);

      // requeue all: every failed entry, the hostile one among them, into the queue
      assertThat(click(page, "#requeue-all")).isEqualTo(200);
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isZero();
      assertThat(queue()).hasSize(LIMIT);
      assertThat(fleet.seq()).isEqualTo(2L * LIMIT);
      assertThat(page.string("document.getElementById('action-result').textContent"))
          .startsWith("requeued " + (LIMIT - 1) + " error entries");

      // resume: the requeued messages are handled (and fail again, as every message here does)
      page.waitFor("resume enabled", "!document.getElementById('resume').disabled", Duration.ofSeconds(5));
      assertThat(click(page, "#resume")).isEqualTo(200);
      assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.paused())).isZero();
      Waits.until("the requeued messages handled", Duration.ofSeconds(20),
          () -> fleet.redis.number("LLEN", fleet.redis.keys.queue()) == 0 && fleet.redis.stat("processed") == 2L * LIMIT);
      page.waitFor("the badge gone", "document.getElementById('paused').hidden", Duration.ofSeconds(5));

      // the token is nowhere in the page (only in this tab's sessionStorage)
      assertThat(page.evaluate("document.documentElement.outerHTML.includes('" + token + "')")).isEqualTo(false);
      assertThat(page.evaluate("location.href.includes('" + token + "')")).isEqualTo(false);
      assertThat(browser.events()).as("page errors and console output").isEmpty();
    }
    assertThat(node.logText()).doesNotContain(token).contains("page action: the fleet is paused (by page@127.0.0.1)");
  }
  @Test
  void inAShardedNamespaceTheTableListsEveryShardAndItsButtonsActOnTheEntrysShard() throws Exception {
    int shards = 3;
    dev.redfleet.redis.Shards layout = new dev.redfleet.redis.Shards(fleet.redis.keys, shards);
    Path tokenFile = Files.writeString(Files.createTempFile("redfleet-page-token", ""), token + "\n");
    FleetProcess node = fleet.start("--shards", Integer.toString(shards), "--source", "none", "--error-rate", "1",
        "--max-delay-ms", "0", "--http-port", "0", "--http-token-file", tokenFile.toString());
    String url = "http://127.0.0.1:" + Http.portOf(node) + "/";
    Waits.until("node1 healthy", Duration.ofSeconds(60), () -> Http.get(url + "health").status() == 200);
    // a send call without keys goes to the next shard in rotation: three calls, three shards
    for (int call = 0; call < shards; call++) {
      JsonArray messages = new JsonArray();
      for (int i = 1; i <= 2; i++) {
        messages.add(new JsonObject().put("body", "call " + call + " message " + i));
      }
      assertThat(post(url + "messages", "Bearer " + token, messages.encode())).isEqualTo(202);
    }
    Waits.until("every failure in an errors list", Duration.ofSeconds(60), () -> {
      long n = 0;
      for (dev.redfleet.redis.Keys shard : layout.all()) {
        n += fleet.redis.number("LLEN", shard.errors());
      }
      return n == 6;
    });
    for (dev.redfleet.redis.Keys shard : layout.all()) {
      assertThat(fleet.redis.number("LLEN", shard.errors())).as(shard.dataPrefix() + " errors").isEqualTo(2);
    }
    // the newest failure of shard 2: fleet-wide ids of shard 2 are 3, 6, 9...
    dev.redfleet.redis.Keys last = layout.shard(2);
    JsonObject entry = new JsonObject(fleet.redis.string("LINDEX", last.errors(), 0));
    long fleetId = layout.globalId(2, entry.getLong("id"));
    assertThat(fleetId % shards).isZero();

    try (DevToolsBrowser browser = DevToolsBrowser.launch()) {
      DevToolsBrowser.Page page = browser.open(url);
      String row = "#latest tr[data-id=\"" + fleetId + "\"]";
      // five rows of six entries over three shards, each shown by its fleet-wide id
      page.waitFor("every shard's entries", "document.querySelectorAll('#latest tbody tr').length === 5"
          + " && document.querySelector('" + row + "') !== null", Duration.ofSeconds(15));
      page.evaluate("sessionStorage.setItem('redfleet-http-token', '" + token + "')");
      // paused (every shard's copy): the requeued message waits in its shard's queue
      assertThat(click(page, "#pause")).isEqualTo(200);
      for (dev.redfleet.redis.Keys shard : layout.all()) {
        assertThat(fleet.redis.number("EXISTS", shard.shardPaused())).as(shard.dataPrefix() + " paused").isEqualTo(1);
      }
      assertThat(click(page, row + " button.requeue")).isEqualTo(200);
      assertThat(fleet.redis.number("LLEN", last.errors())).isEqualTo(1);
      assertThat(fleet.redis.number("LLEN", last.queue())).isEqualTo(1);
      JsonObject requeued = Entries.json(fleet.redis.string("LINDEX", last.queue(), 0));
      long newId = layout.globalId(2, requeued.getLong("id"));
      assertThat(requeued.getJsonObject("headers").getString(ErrorRequeuer.REQUEUED_FROM)).isEqualTo(Long.toString(fleetId));
      assertThat(page.string("document.getElementById('action-result').textContent"))
          .isEqualTo("requeued message " + fleetId + " as message " + newId);
      for (int s = 0; s < 2; s++) {
        assertThat(fleet.redis.number("LLEN", layout.shard(s).errors())).as("shard " + s + " untouched").isEqualTo(2);
      }
      assertThat(browser.events()).as("page errors and console output").isEmpty();
    }
  }
}
