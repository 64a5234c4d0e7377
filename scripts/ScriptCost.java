import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each data-path script costs per message, on its own: produce, claim and finish run one
 * after the other over MESSAGES messages in calls of BATCH, on one connection, with nothing else
 * touching the Redis at REDIS_URL (a private redis-server: the figures are that server's INFO
 * deltas). For each phase it prints Redis commands per message (those the scripts call, from INFO
 * commandstats), bytes the client sent per message, Redis CPU (user + sys) per message, how much of
 * the scripts' time their commands took and how much the Lua code itself (commandstats, wall
 * clock inside the server), and this JVM's CPU per message to build the calls and read the replies. FAIL_PERCENT of the outcomes are
 * failures (attempts 1: they go to the errors list), as in the bench.
 *
 * <p>Run it with a jar on the class path, and the same line with another jar, to compare releases:
 *
 * <pre>java -cp target/app-fat.jar scripts/ScriptCost.java REDIS_URL [MESSAGES [BATCH [FAIL_PERCENT [CLAIM [WINDOW [ATTEMPTS]]]]]]</pre>
 *
 * <p>CLAIM (default BATCH) is the size of each claim; WINDOW (default 0: in claim order) shuffles the
 * finish order within windows of that many deliveries, as handlers of random duration finish (the
 * bench's spec handler: claims of 1,000, 20,000 in flight per worker, finishes of a few dozen).
 * ATTEMPTS (default 1) above 1 sends the failures to the retry path instead of the errors list.
 */
public class ScriptCost {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: java -cp app-fat.jar scripts/ScriptCost.java REDIS_URL [MESSAGES [BATCH [FAIL_PERCENT [CLAIM [WINDOW [ATTEMPTS]]]]]]");
      System.exit(2);
    }
    int messages = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int failPercent = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    int claim = args.length > 4 ? Integer.parseInt(args[4]) : batch;
    int window = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    int attempts = args.length > 6 ? Integer.parseInt(args[6]) : 1;
    Vertx vertx = Vertx.vertx();
    RedisConnection redis = Redis.createClient(vertx, args[0]).connect().await();
    try {
      new ScriptCost(redis, messages, batch, failPercent, claim, window, attempts).run();
    } catch (Throwable e) {
      // printed here: the source launcher cannot trim the trace of an exception from a lambda
      e.printStackTrace();
      System.exit(1);
    } finally {
      redis.close();
      vertx.close().await();
    }
  }

  private final RedisConnection redis;
  private final int messages;
  private final int batch;
  private final int failPercent;
  private final int claimSize;
  private final int window;
  private final int attempts;
  private final Keys keys = new Keys("cost" + Long.toHexString(System.nanoTime()));
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

  ScriptCost(RedisConnection redis, int messages, int batch, int failPercent, int claimSize, int window, int attempts) {
    this.redis = redis;
    this.messages = messages;
    this.batch = batch;
    this.failPercent = failPercent;
    this.claimSize = claimSize;
    this.window = window;
    this.attempts = attempts;
  }

  private Response call(Request request) {
    return redis.send(request).await();
  }

  private Response run(Script script, List<String> keys, List<?> args) {
    Request r = Request.cmd(Command.EVALSHA).arg(script.sha()).arg(keys.size());
    keys.forEach(r::arg);
    args.forEach(a -> {
      if (a instanceof byte[] bytes) {
        r.arg(bytes);
      } else {
        r.arg(String.valueOf(a));
      }
    });
    return call(r);
  }

  /** INFO figures: cpu seconds, bytes in, and commands by name. */
  private Map<String, Double> snapshot() {
    Map<String, Double> figures = new HashMap<>();
    for (String section : List.of("cpu", "stats", "commandstats")) {
      for (String line : call(Request.cmd(Command.INFO).arg(section)).toString().split("\r?\n")) {
        if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
          figures.merge("cpu", Double.parseDouble(line.substring(line.indexOf(':') + 1)), Double::sum);
        } else if (line.startsWith("total_net_input_bytes:")) {
          figures.put("bytes", Double.parseDouble(line.substring(line.indexOf(':') + 1)));
        } else if (line.startsWith("cmdstat_")) {
          String name = line.substring(8, line.indexOf(':'));
          String calls = line.substring(line.indexOf("calls=") + 6, line.indexOf(','));
          String usec = line.substring(line.indexOf("usec=") + 5, line.indexOf(',', line.indexOf("usec=")));
          if (name.equals("evalsha")) {
            figures.put("scriptUsec", Double.parseDouble(usec));
          } else if (!name.equals("info") && !name.startsWith("script")) {
            figures.merge("commands", Double.parseDouble(calls), Double::sum);
            figures.merge("commandUsec", Double.parseDouble(usec), Double::sum);
          }
        }
      }
    }
    return figures;
  }

  private interface Phase {
    void run();
  }

  private void measure(String name, Phase phase) {
    Map<String, Double> before = snapshot();
    long jvm = threads.getCurrentThreadCpuTime();
    phase.run();
    long jvmNs = threads.getCurrentThreadCpuTime() - jvm;
    Map<String, Double> after = snapshot();
    // the snapshot's own INFO calls are not counted as commands; its CPU is a few microseconds
    double scriptUsec = after.getOrDefault("scriptUsec", 0.0) - before.getOrDefault("scriptUsec", 0.0);
    double commandUsec = after.get("commandUsec") - before.get("commandUsec");
    System.out.printf("| %-7s | %8.2f | %8.0f | %8.2f | %8.2f | %8.2f | %8.2f |%n", name,
        (after.get("commands") - before.get("commands")) / messages,
        (after.get("bytes") - before.get("bytes")) / messages,
        (after.get("cpu") - before.get("cpu")) * 1e6 / messages,
        commandUsec / messages,
        (scriptUsec - commandUsec) / messages,
        jvmNs / 1e3 / messages);
  }

  void run() {
    call(Request.cmd(Command.SET).arg(keys.leader()).arg("cost:1").arg("PX").arg(3_600_000));
    call(Request.cmd(Command.SET).arg(keys.epoch()).arg(1));
    for (Script script : List.of(Script.PRODUCE, Script.CLAIM, Script.FINISH)) {
      call(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source()));
    }
    System.out.printf("%d messages, calls of %d (claims of %d, finish order shuffled in windows of %d), %d%% failures (attempts %d)%n",
        messages, batch, claimSize, window, failPercent, attempts);
    System.out.println("| script  | commands/msg | bytes in/msg | Redis us/msg | of which commands | of which Lua | JVM us/msg |");
    System.out.println("|---|---|---|---|---|---|---|");
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    measure("produce", () -> {
      for (int done = 0; done < messages; done += batch) {
        List<Object> args = new ArrayList<>(List.of("cost:1", 1, 0, messages, "", ""));
        for (int i = 0; i < batch; i++) {
          args.add(body(random));
        }
        run(Script.PRODUCE, keys.produce(), args);
      }
    });
    List<String> tokens = new ArrayList<>(messages);
    List<Integer> indices = new ArrayList<>(messages);
    measure("claim", () -> {
      int claims = 0;
      while (tokens.size() < messages) {
        String token = "slot:" + (++claims);
        Response r = run(Script.CLAIM, keys.claim("n1"), List.of("n1", claimSize, 0, token)).get(0);
        for (int i = 0; i < r.size(); i++) {
          // a new claim's message i is delivery (token, i + 1)
          tokens.add(token);
          indices.add(i + 1);
        }
      }
    });
    if (window > 1) {
      java.util.Random shuffle = new java.util.Random(42);
      for (int from = 0; from < messages; from += window) {
        int to = Math.min(messages, from + window);
        for (int i = to - 1; i > from; i--) {
          int j = from + shuffle.nextInt(i - from + 1);
          java.util.Collections.swap(tokens, i, j);
          java.util.Collections.swap(indices, i, j);
        }
      }
    }
    measure("finish", () -> {
      for (int from = 0; from < messages; from += batch) {
        List<Object> args = new ArrayList<>(List.of("n1", attempts, 1000, 60_000, 7));
        List<Object> outcomes = new ArrayList<>();
        for (int i = from; i < Math.min(messages, from + batch); i++) {
          outcomes.add(tokens.get(i));
          outcomes.add(indices.get(i));
          outcomes.add(1);
          outcomes.add(random.nextInt(100) < failPercent ? "cost failure" : "");
        }
        args.addAll(packed(outcomes));
        run(Script.FINISH, keys.finish("n1"), args);
      }
    });
    long processed = Long.parseLong(call(Request.cmd(Command.HGET).arg(keys.stats()).arg("processed")).toString());
    Response retried = call(Request.cmd(Command.HGET).arg(keys.stats()).arg("retried"));
    long outcomes = processed + (retried == null ? 0 : retried.toLong());
    if (outcomes != messages) {
      throw new IllegalStateException("processed and retried " + outcomes + " of " + messages);
    }
  }

  /**
   * The outcomes as the store of the jar on the class path sends them: packed by
   * {@code FinishOutcomes.pack} where the jar has it (from issue 16's packed finish), else as they are.
   */
  @SuppressWarnings("unchecked")
  private static List<Object> packed(List<Object> quadruples) {
    try {
      Class<?> codec = Class.forName("dev.redfleet.redis.FinishOutcomes");
      return (List<Object>) codec.getMethod("pack", List.class).invoke(null, quadruples);
    } catch (ClassNotFoundException e) {
      return quadruples;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A message as the simulated source makes it, 16 random characters, in the form produce takes from
   * the jar on the class path ({@code Sender.tail}: a JSON string literal up to data format 5, the
   * tail {@code 0:<body>} from format 6).
   */
  private static String body(java.util.concurrent.ThreadLocalRandom random) {
    char[] text = new char[16];
    for (int i = 0; i < 16; i++) {
      text[i] = (char) ('a' + random.nextInt(26));
    }
    return dev.redfleet.send.Sender.tail(new String(text), null, java.util.Map.of());
  }
}
