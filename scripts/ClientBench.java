import dev.redfleet.api.NewMessage;
import dev.redfleet.api.Redfleet;
import dev.redfleet.api.RedfleetClient;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The Java client's throughput, as an application would use it: {@code sendAll} of lists of BATCH
 * messages, IN_FLIGHT lists at once, MESSAGES in all, from a plain main thread. Prints one JSON
 * line: messages, seconds (from the first send to the last id, connect excluded), msgs_per_s.
 *
 * <pre>java -cp target/app-fat.jar scripts/ClientBench.java REDIS_URL NAMESPACE MESSAGES BATCH IN_FLIGHT</pre>
 */
public class ClientBench {
  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: java -cp target/app-fat.jar scripts/ClientBench.java REDIS_URL NAMESPACE MESSAGES BATCH IN_FLIGHT");
      System.exit(2);
    }
    long messages = Long.parseLong(args[2]);
    int batch = Integer.parseInt(args[3]);
    int inFlight = Integer.parseInt(args[4]);
    RedfleetClient client = Redfleet.client().redis(args[0]).namespace(args[1]).connect().await();
    Deque<Future<List<Long>>> pending = new ArrayDeque<>();
    long ids = 0;
    long started = System.nanoTime();
    for (long sent = 0; sent < messages; ) {
      int n = (int) Math.min(batch, messages - sent);
      List<NewMessage> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(NewMessage.of("client-" + (sent + i)));
      }
      pending.add(client.sendAll(list));
      sent += n;
      while (pending.size() >= inFlight) {
        ids += pending.poll().await().size();
      }
    }
    while (!pending.isEmpty()) {
      ids += pending.poll().await().size();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    client.close().await();
    if (ids != messages) {
      System.err.println("client-bench: " + ids + " ids for " + messages + " messages");
      System.exit(1);
    }
    System.out.printf(java.util.Locale.ROOT, "{\"messages\":%d,\"seconds\":%.3f,\"msgs_per_s\":%d}%n",
        messages, seconds, Math.round(messages / seconds));
    System.exit(0);
  }
}
