package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.Waits;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live page in a real browser: headless Chromium loads it from a node of a running fleet of
 * three JVMs. While the fleet runs the chart has points and moves; once the fleet is drained every
 * figure on the page equals Redis'. A screenshot taken during the run goes to
 * target/it-logs/dashboard.png (docs/dashboard.png is one taken the same way during a demo run).
 */
class DashboardIT {
  private static final long LIMIT = 1500;
  private static final Path SCREENSHOT = FleetProcess.LOGS.resolve("dashboard.png");

  private final Fleet fleet = new Fleet(List.of(
      "--interval-ms", "5", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
      "--max-delay-ms", "200", "--error-rate", "0.15", "--http-port", "0",
      "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void pageShowsTheFleetLiveAndItsNumbersMatchRedis() throws Exception {
    List<FleetProcess> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(fleet.start());
    }
    String page = "http://127.0.0.1:" + Http.portOf(nodes.get(0)) + "/";
    Waits.until("node1 healthy", Duration.ofSeconds(60), () -> Http.get(page + "health").status() == 200);
    Waits.until("messages handled", Duration.ofSeconds(60), () -> fleet.redis.stat("processed") > 200);
    Waits.pause(2000);

    // while the fleet runs: three node rows, the generator Redis names, a chart with points that moves
    String live = dumpDom(page);
    assertThat(live).contains("data-loaded=\"true\"");
    // the page refreshes itself: several polls within the browser's 4 (virtual) seconds
    assertThat(Integer.parseInt(attribute(live, "data-refreshes"))).as("refreshes of one page load").isGreaterThan(1);
    String leader = Fleet.nodeOf(fleet.leaderToken());
    assertThat(text(live, "generator")).isEqualTo(leader);
    assertThat(live).contains("data-node=\"node1\"").contains("data-node=\"node2\"").contains("data-node=\"node3\"");
    int points = Integer.parseInt(attribute(live, "data-points"));
    assertThat(points).isGreaterThan(1);
    assertThat(Long.parseLong(attribute(live, "data-last-handled"))).as("handled per second, last point").isPositive();
    screenshot(page);
    Waits.pause(2500);
    String later = dumpDom(page);
    assertThat(Integer.parseInt(attribute(later, "data-points"))).as("chart points a few seconds later").isGreaterThan(points);

    // drained: every figure on the page is Redis'
    fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(120));
    Waits.pause(2500);
    String done = dumpDom(page);
    assertThat(number(done, "produced")).isEqualTo(fleet.redis.stat("produced")).isEqualTo(LIMIT);
    assertThat(number(done, "processed")).isEqualTo(fleet.redis.stat("processed"));
    assertThat(number(done, "failed")).isEqualTo(fleet.redis.stat("failed")).isPositive();
    assertThat(number(done, "errors")).isEqualTo(fleet.redis.number("LLEN", fleet.redis.keys.errors()));
    assertThat(number(done, "queue")).isZero();
    assertThat(number(done, "inflight")).isZero();
    assertThat(number(done, "epoch")).isEqualTo(fleet.redis.number("GET", fleet.redis.keys.epoch()));
    assertThat(text(done, "live")).isEqualTo("3 / 3");
    long rowsHandled = 0;
    for (FleetProcess node : nodes) {
      long handled = handledInRow(done, node.name);
      String totals = fleet.redis.string("HGET", fleet.redis.keys.nodeTotals(), node.name);
      assertThat(handled).as("handled of " + node.name).isEqualTo(Long.parseLong(totals.split(" ")[0]));
      rowsHandled += handled;
    }
    assertThat(rowsHandled).isEqualTo(fleet.redis.stat("processed"));
    // the latest errors are the newest entries of the errors list
    String newest = fleet.redis.string("LINDEX", fleet.redis.keys.errors(), 0);
    String newestId = newest.substring("{\"id\":".length(), newest.indexOf(','));
    assertThat(done).containsPattern("<table id=\"latest\">.*<td class=\"num\">" + newestId + "</td>");
    System.out.println("FIGURE page checked against Redis: produced " + LIMIT + ", failed " + fleet.redis.stat("failed")
        + ", chart points " + points + "; screenshot " + SCREENSHOT);
  }

  /** The DOM after the page's scripts ran for a few (virtual) seconds. */
  private static String dumpDom(String url) throws Exception {
    return dev.redfleet.testing.HeadlessChromium.dumpDom(url);
  }

  private static void screenshot(String url) throws Exception {
    Files.createDirectories(SCREENSHOT.getParent());
    dev.redfleet.testing.HeadlessChromium.screenshot(url, SCREENSHOT);
    assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
  }

  private static String text(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
    assertThat(m.find()).as("element #" + id + " in the page").isTrue();
    return m.group(1).trim();
  }

  private static long number(String dom, String id) {
    return Long.parseLong(text(dom, id).replace(",", ""));
  }

  private static String attribute(String dom, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
    assertThat(m.find()).as(name + " in the page").isTrue();
    return m.group(1);
  }

  private static long handledInRow(String dom, String node) {
    Matcher m = Pattern.compile("<tr data-node=\"" + Pattern.quote(node) + "\".*?class=\"num handled\">([^<]*)<")
        .matcher(dom);
    assertThat(m.find()).as("row of " + node).isTrue();
    return Long.parseLong(m.group(1).replace(",", "").toLowerCase(Locale.ROOT));
  }
}
