package dev.redfleet.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A plain HTTP client for the node's port, and readers for what it serves. */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern LISTENING = Pattern.compile("http on http://[^:/]+:(\\d+)/");

  private Http() {}

  public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    /** The first value of a header, or null. */
    public String header(String name) {
      return headers == null ? null : headers.firstValue(name).orElse(null);
    }
  }

  /** GET; status -1 when nothing answers. */
  public static Reply get(String url) {
    try {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers());
    } catch (java.io.IOException e) {
      return new Reply(-1, e.toString(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The HTTP port a node logged ("http on http://127.0.0.1:PORT/"), waiting for it up to 60 s. */
  public static int portOf(FleetProcess node) {
    int[] port = new int[1];
    Waits.until(node.name + " to log its HTTP port", Duration.ofSeconds(60), () -> {
      Matcher m = LISTENING.matcher(node.logText());
      if (m.find()) {
        port[0] = Integer.parseInt(m.group(1));
        return true;
      }
      return false;
    });
    return port[0];
  }

  /**
   * The value of one Prometheus sample: {@code name} with exactly the label set {@code labels}
   * (e.g. {@code node="node1"}), or the sum over all label sets when labels is null; NaN when absent.
   */
  public static double sample(String metrics, String name, String labels) {
    double sum = 0;
    boolean found = false;
    for (String line : metrics.lines().toList()) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      String lbl = "";
      if (rest.startsWith("{")) {
        lbl = rest.substring(1, rest.indexOf('}'));
        rest = rest.substring(rest.indexOf('}') + 1);
      } else if (!rest.startsWith(" ")) {
        continue;
      }
      if (labels != null && !lbl.equals(labels)) {
        continue;
      }
      sum += Double.parseDouble(rest.trim().split(" ")[0]);
      found = true;
    }
    return found ? sum : Double.NaN;
  }
}
