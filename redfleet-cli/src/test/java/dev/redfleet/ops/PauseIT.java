package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.HeadlessChromium;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * pause and resume on a fleet of three JVMs under load: once paused, the messages in flight finish
 * and then nothing moves (outcomes, seq, queue), a worker SIGKILLed and restarted meanwhile stays
 * paused, status, /metrics and the page show it; once resumed the run ends with every id recorded
 * exactly once.
 */
class PauseIT {
  private static final long LIMIT = 24_000;
  /**
   * Generation (2,000/s) outruns the handlers (at most about 1,300/s: two worker nodes, 32 messages
   * in flight each, 50 ms per message on average): the queue holds messages at the pause.
   */
  private static final List<String> OPTIONS = List.of("--rate", "2000", "--limit", Long.toString(LIMIT),
      "--max-delay-ms", "100", "--error-rate", "0", "--workers", "2", "--concurrency", "16",
      "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500");
  /** At most this long from the pause until the last outcome and the last message produced. */
  private static final long SETTLE_LIMIT_MS = 1500;

  private final Fleet fleet = new Fleet(OPTIONS);
  private final List<FleetProcess> extra = new ArrayList<>();

  @AfterEach
  void stop() {
    extra.forEach(FleetProcess::close);
    fleet.close();
  }

  /** One poll of the figures that must stand still while paused, on the Redis clock. */
  private record Sample(long at, long processed, long seq, long queue) {}

  @Test
  void aPausedFleetFinishesWhatIsInFlightThenStandsStillAndResumesToAnExactRun() throws Exception {
    // held until all three nodes are up: on a loaded machine starting them one after the other
    // took longer than the generator needed to reach the limit (the pause then found nothing to stop)
    fleet.redis.call("SET", fleet.redis.keys.paused(), "{\"by\":\"PauseIT setup\",\"at\":0}");
    FleetProcess observed = fleet.startJoined("--http-port", "0");
    fleet.startJoined();
    fleet.startJoined();
    fleet.redis.call("DEL", fleet.redis.keys.paused());
    String url = "http://127.0.0.1:" + Http.portOf(observed) + "/";
    // pause early, while the generator has about 10 s of work left: the pause command is a JVM of
    // its own, which a loaded machine may take seconds to start
    Waits.until("500 outcomes under load", Duration.ofSeconds(90), () -> fleet.redis.stat("processed") >= 500);

    List<Sample> samples = new ArrayList<>();
    Thread sampler = sampler(samples);
    sampler.start();
    FleetProcess.Result paused = pauseOrResume("pause", "--by", "pause-it");
    assertThat(paused.exitCode()).as(paused.stderr()).isZero();
    assertThat(paused.stdout()).startsWith("paused fleet 'redfleet' since ").contains(" by pause-it");
    long pausedAt = new JsonObject(fleet.redis.string("GET", fleet.redis.keys.paused())).getLong("at");
    Waits.pause(3000);
    sampler.interrupt();
    sampler.join();

    List<Sample> after;
    synchronized (samples) {
      after = samples.stream().filter(s -> s.at() >= pausedAt).toList();
    }
    Sample last = after.get(after.size() - 1);
    long outcomesStoppedAt = after.stream().filter(s -> s.processed() == last.processed()).findFirst().orElseThrow().at();
    long seqStoppedAt = after.stream().filter(s -> s.seq() == last.seq()).findFirst().orElseThrow().at();
    long stillSince = Math.max(outcomesStoppedAt, seqStoppedAt);
    assertThat(outcomesStoppedAt - pausedAt).as("ms from the pause to the last outcome").isLessThanOrEqualTo(SETTLE_LIMIT_MS);
    assertThat(seqStoppedAt - pausedAt).as("ms from the pause to the last message produced").isLessThanOrEqualTo(SETTLE_LIMIT_MS);
    assertThat(last.at() - stillSince).as("ms of standing still observed").isGreaterThanOrEqualTo(1400);
    assertThat(last.seq()).as("the limit was not what stopped generation").isLessThan(LIMIT);
    List<Long> queueWhileStill = after.stream().filter(s -> s.at() >= stillSince).map(Sample::queue).distinct().toList();
    assertThat(queueWhileStill).as("the queue keeps its messages").hasSize(1);
    assertThat(queueWhileStill.get(0)).isPositive();
    for (String node : fleet.nodes().keySet()) {
      assertThat(fleet.held(node)).as("in flight or landed at " + node + ": all finished and recorded").isZero();
    }
    String generator = Fleet.nodeOf(fleet.leaderToken());
    assertThat(fleet.node(generator).logText()).contains("the fleet is paused: generation waits for resume");

    FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--redis", fleet.server.url()));
    JsonObject json = new JsonObject(status.stdout().trim());
    assertThat(json.getBoolean("paused")).isTrue();
    assertThat(json.getString("pausedBy")).isEqualTo("pause-it");
    assertThat(json.getLong("pausedAt")).isEqualTo(pausedAt);
    assertThat(json.getLong("inFlight")).isZero();
    Waits.until("redfleet_paused 1 in /metrics", Duration.ofSeconds(10),
        () -> Http.sample(Http.get(url + "metrics").body(), "redfleet_paused", null) == 1.0);
    String page = HeadlessChromium.dumpDom(url);
    assertThat(page).contains("<span id=\"paused\" class=\"badge\" title=\"since ").doesNotContain("class=\"badge\" hidden");

    // a worker SIGKILLed and started again while paused learns the pause from Redis
    String worker = fleet.nodes().keySet().stream().filter(n -> !n.equals(generator) && !n.equals(observed.name))
        .findFirst().orElseThrow();
    fleet.node(worker).kill();
    List<String> args = new ArrayList<>(List.of("run", "--redis", fleet.server.url(), "--node-id", worker));
    args.addAll(OPTIONS);
    FleetProcess restarted = FleetProcess.start(worker + "-again", args);
    extra.add(restarted);
    Waits.until("the restarted worker to find the fleet paused", Duration.ofSeconds(60),
        () -> restarted.logText().contains("the fleet is paused: this worker takes nothing new"));
    Waits.pause(1500);
    assertThat(fleet.redis.stat("processed")).as("outcomes after the restart").isEqualTo(last.processed());
    assertThat(fleet.seq()).isEqualTo(last.seq());
    assertThat(fleet.held(worker)).isZero();

    FleetProcess.Result resumed = pauseOrResume("resume");
    assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
    assertThat(resumed.stdout()).startsWith("resumed fleet 'redfleet', paused since ").contains(" by pause-it");
    long toFirstOutcome = Waits.until("outcomes again", Duration.ofSeconds(10),
        () -> fleet.redis.stat("processed") > last.processed());
    Waits.until("redfleet_paused 0 in /metrics", Duration.ofSeconds(10),
        () -> Http.sample(Http.get(url + "metrics").body(), "redfleet_paused", null) == 0.0);
    fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(180));
    fleet.assertEveryIdRecordedOnce(LIMIT);
    assertThat(fleet.seq()).isEqualTo(LIMIT);
    System.out.println("FIGURE pause under load: last outcome " + (outcomesStoppedAt - pausedAt)
        + " ms and last message produced " + (seqStoppedAt - pausedAt) + " ms after the pause (Redis clock, 20 ms samples);"
        + " the queue kept " + queueWhileStill.get(0) + " messages; first outcome " + toFirstOutcome
        + " ms after the resume command returned; " + LIMIT + " ids recorded once");
  }

  private FleetProcess.Result pauseOrResume(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--redis", fleet.server.url()));
    args.addAll(List.of(more));
    return FleetProcess.oneShot(args);
  }

  /** Samples every 20 ms on a client of its own, until interrupted. */
  private Thread sampler(List<Sample> samples) {
    TestRedis own = new TestRedis(fleet.server.url(), "redfleet");
    return new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Response time = own.call("TIME");
          long at = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
          Sample s = new Sample(at, own.stat("processed"), own.number("GET", own.keys.seq()),
              own.number("LLEN", own.keys.queue()));
          synchronized (samples) {
            samples.add(s);
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException done) {
        // the test has seen enough
      } finally {
        own.close();
      }
    }, "pause-sampler");
  }
}
