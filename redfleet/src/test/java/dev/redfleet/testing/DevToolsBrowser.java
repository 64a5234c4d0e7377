package dev.redfleet.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven for real over the DevTools protocol, with nothing but the JDK: the
 * browser is started with {@code --remote-debugging-port=0}, its WebSocket address read from the
 * {@code DevTools listening on ws://...} line it prints, and commands are sent over
 * {@link java.net.http.WebSocket}. A {@link Page} is a tab attached in flat mode (its commands
 * carry the session id); {@link Page#evaluate} runs JavaScript in it, which is how tests click
 * buttons ({@code element.click()}) and read the page. Page script errors and console messages are
 * collected for the test's failure messages.
 */
public final class DevToolsBrowser implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final long CALL_TIMEOUT_S = 15;

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonObject>> calls = new ConcurrentHashMap<>();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  private DevToolsBrowser(Process process, Path profile, String url) throws Exception {
    this.process = process;
    this.profile = profile;
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create(url), new Listener()).get(15, TimeUnit.SECONDS);
  }

  /** Starts headless Chromium in a fresh profile and connects to it (within 30 s). */
  public static DevToolsBrowser launch() throws Exception {
    Path profile = Files.createTempDirectory("redfleet-devtools");
    List<String> command = List.of(HeadlessChromium.binary(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--no-default-browser-check", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "--user-data-dir=" + profile, "--window-size=1280,900", "about:blank");
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    CompletableFuture<String> address = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      // read stderr to its end: a pipe nobody reads would stall the browser once full
      try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line = err.readLine(); line != null; line = err.readLine()) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            address.complete(m.group(1));
          }
        }
      } catch (IOException ignored) {
        // the browser went away
      }
      address.completeExceptionally(new AssertionError("chromium ended without a DevTools address"));
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      return new DevToolsBrowser(process, profile, address.get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroyForcibly();
      deleteTree(profile);
      throw e;
    }
  }

  /** Opens {@code url} in a new tab and attaches to it. */
  public Page open(String url) throws Exception {
    String target = call("Target.createTarget", new JsonObject().put("url", url), null).getString("targetId");
    String session = call("Target.attachToTarget", new JsonObject().put("targetId", target).put("flatten", true), null)
        .getString("sessionId");
    Page page = new Page(session);
    page.call("Runtime.enable", new JsonObject());
    return page;
  }

  /** Page errors and console lines seen so far (for failure messages). */
  public List<String> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  private JsonObject call(String method, JsonObject params, String session) throws Exception {
    long id = ids.incrementAndGet();
    JsonObject message = new JsonObject().put("id", id).put("method", method).put("params", params);
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    calls.put(id, answer);
    synchronized (socket) {
      // one message at a time: a WebSocket takes the next send only once the last one went out
      socket.sendText(message.encode(), true).get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
    }
    JsonObject reply = answer.get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
    if (reply.containsKey("error")) {
      throw new AssertionError(method + " failed: " + reply.getJsonObject("error").encode());
    }
    return reply.getJsonObject("result", new JsonObject());
  }

  /** A tab: JavaScript evaluated in it, and waits on what it shows. */
  public final class Page {
    private final String session;

    private Page(String session) {
      this.session = session;
    }

    JsonObject call(String method, JsonObject params) throws Exception {
      return DevToolsBrowser.this.call(method, params, session);
    }

    /**
     * The value of a JavaScript expression in the page (promises awaited; JSON values: String,
     * Boolean, Number, JsonObject, JsonArray, or null). A thrown exception fails the test.
     */
    public Object evaluate(String expression) throws Exception {
      JsonObject r = call("Runtime.evaluate", new JsonObject().put("expression", expression)
          .put("returnByValue", true).put("awaitPromise", true));
      if (r.containsKey("exceptionDetails")) {
        throw new AssertionError("the page threw on " + expression + ": " + r.getJsonObject("exceptionDetails").encode());
      }
      return r.getJsonObject("result").getValue("value");
    }

    public String string(String expression) throws Exception {
      Object value = evaluate(expression);
      return value == null ? null : value.toString();
    }

    public long number(String expression) throws Exception {
      return ((Number) evaluate(expression)).longValue();
    }

    /** Waits until the expression is true in the page, polling every 50 ms. */
    public void waitFor(String what, String expression, Duration limit) throws Exception {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!Boolean.TRUE.equals(evaluate("!!(" + expression + ")"))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the page did not show " + what + " within " + limit.toMillis() + " ms ("
              + expression + "); page events: " + events());
        }
        Thread.sleep(50);
      }
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonObject message = new JsonObject(partial.toString());
        partial.setLength(0);
        Long id = message.getLong("id");
        if (id != null) {
          CompletableFuture<JsonObject> call = calls.remove(id);
          if (call != null) {
            call.complete(message);
          }
        } else {
          event(message);
        }
      }
      webSocket.request(1);
      return null;
    }

    private void event(JsonObject message) {
      String method = message.getString("method", "");
      JsonObject params = message.getJsonObject("params", new JsonObject());
      if (method.equals("Runtime.exceptionThrown")) {
        events.add("exception: " + params.getJsonObject("exceptionDetails", new JsonObject()).encode());
      } else if (method.equals("Runtime.consoleAPICalled")) {
        events.add("console." + params.getString("type") + ": " + params.getValue("args"));
      }
    }
  }

  @Override
  public void close() {
    try {
      call("Browser.close", new JsonObject(), null);
    } catch (Exception | AssertionError ignored) {
      // it is killed below in any case
    }
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(profile);
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory
    }
  }
}
