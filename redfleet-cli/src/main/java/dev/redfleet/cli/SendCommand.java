package dev.redfleet.cli;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.Setting;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.LineReader;
import dev.redfleet.send.LineSender;
import dev.redfleet.send.Sender;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "send", mixinStandardHelpOptions = true,
    description = {"Send messages to the fleet's queue (docs/SENDING.md).",
        "With BODY: one message; prints its id.",
        "Without BODY: each line of stdin (UTF-8) is one message; prints one line per input line, in input order: "
            + "the id, or '-' for a refused line (its reason goes to stderr as 'line N: ...'; the other lines are sent, "
            + "then the command exits 2)."})
public final class SendCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--key", paramLabel = "KEY",
      description = "Dedup key: a second send with KEY within dedupWindowMs adds nothing and prints the first id. Only with BODY.")
  String key;
  @Option(names = "--delay-ms", paramLabel = "MS", description = "Due MS milliseconds after it reaches Redis (Redis clock).")
  String delayMs;
  @Option(names = "--at", paramLabel = "TIME",
      description = "Due at TIME, ISO-8601 with an offset, e.g. 2026-12-01T09:30:00Z (Redis clock; a past time means now).")
  String at;
  @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A header the handler sees in Message.headers(); repeatable.")
  List<String> headers;
  @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest body accepted, in UTF-8 bytes (default 1048576).")
  String maxBodyBytes;
  @Option(names = "--dedup-window-ms", paramLabel = "MS", description = "How long a --key deduplicates (default 86400000).")
  String dedupWindowMs;

  @Parameters(index = "0", arity = "0..1", paramLabel = "BODY",
      description = "The message body; without it, stdin is read. Put -- before a BODY that starts with '-'.")
  String body;

  @Override
  public Integer call() throws Exception {
    SendOptions options = options();
    Vertx vertx = Vertx.vertx();
    try {
      Map<Setting, String> more = new EnumMap<>(Setting.class);
      CommonOptions.put(more, Setting.MAX_BODY_BYTES, maxBodyBytes);
      CommonOptions.put(more, Setting.DEDUP_WINDOW_MS, dedupWindowMs);
      FleetConfig config = common.load(vertx, more);
      // one connection: the calls run in the order they were made, so ids and the queue follow the input order
      Redis redis = CommonOptions.connect(vertx, config, 1);
      Sender sender = new Sender(CommonOptions.issuing(vertx, config, redis), CommonOptions.shards(config), config.maxBodyBytes(),
          config.dedupWindowMs());
      return body != null ? sendOne(sender, config, options) : sendLines(sender, config, options);
    } finally {
      try {
        vertx.close().await(Duration.ofSeconds(5));
      } catch (Exception e) {
        // exiting anyway
      }
    }
  }

  private int sendOne(Sender sender, FleetConfig config, SendOptions options) {
    NewMessage message = new NewMessage(body, options);
    String refused = sender.check(message);
    if (refused != null) {
      System.err.println(Main.errorLine(refused));
      return Main.BAD_USAGE;
    }
    long id;
    try {
      id = sender.send(message).await();
    } catch (Throwable e) {
      throw failed(config, e, "");
    }
    System.out.println(id);
    System.out.flush();
    return 0;
  }

  private int sendLines(Sender sender, FleetConfig config, SendOptions options) throws Exception {
    LineReader lines = new LineReader(new FileInputStream(FileDescriptor.in), config.maxBodyBytes());
    Writer out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
    LineSender.Result result;
    try {
      result = new LineSender(sender).send(lines, options, out, refusal -> System.err.println(Main.errorLine(refusal)));
    } catch (java.io.IOException e) {
      // usually stdout went away (send ... | head): nothing more can be reported, so nothing more is read
      throw new IllegalStateException("stdin or stdout failed (" + e.getMessage() + "): stopped reading; "
          + "lines whose ids were not printed may or may not have been sent");
    } catch (LineSender.CallFailed e) {
      throw failed(config, e.getCause(), " after " + e.idsWritten + " ids were printed (the lines from line "
          + e.firstUnconfirmedLine + " on may or may not have been sent)");
    }
    return result.refused() > 0 ? Main.BAD_USAGE : 0;
  }

  /** A failed send as the exception Main maps to its exit code: 4 refused, 3 unreachable, 1 an error reply. */
  private static RuntimeException failed(FleetConfig config, Throwable e, String progress) {
    RuntimeException failure = CommonOptions.failure(config.redis(), e);
    if (failure instanceof RedisUnreachableException && OneShot.errorReply(e) != null) {
      // Redis answered with an error (a fleet key of the wrong type): not an outage
      return new IllegalStateException("Redis refused the send: " + RedisUrls.redact(Backoff.oneLine(OneShot.errorReply(e))) + progress);
    }
    if (failure instanceof RedisUnreachableException && !progress.isEmpty()) {
      return new RedisUnreachableException("lost Redis at " + RedisUrls.redact(config.redisUrl()) + progress + ": "
          + RedisUrls.redact(Backoff.oneLine(e)));
    }
    return failure;
  }


  /** The per-message options, checked before anything connects: a mistake is exit 2 whatever Redis does. */
  private SendOptions options() {
    SendOptions options = new SendOptions();
    if (key != null) {
      if (body == null) {
        throw usage("--key needs BODY: with stdin every line would share the key, so all would get the first line's id");
      }
      options.setKey(key);
    }
    if (delayMs != null && at != null) {
      throw usage("give --delay-ms or --at, not both");
    }
    if (delayMs != null) {
      if (!delayMs.matches("\\d{1,12}")) {
        throw usage("--delay-ms must be a whole number of milliseconds, got '" + delayMs + "'");
      }
      options.setDelay(Duration.ofMillis(Long.parseLong(delayMs)));
    }
    if (at != null) {
      options.setAt(parseAt(at));
    }
    for (String header : headers == null ? List.<String>of() : headers) {
      int eq = header.indexOf('=');
      if (eq <= 0) {
        throw usage("--header must be NAME=VALUE, got '" + header + "'");
      }
      options.addHeader(header.substring(0, eq), header.substring(eq + 1));
    }
    String refused = Sender.checkOptions(options);
    if (refused != null) {
      throw usage(refused);
    }
    return options;
  }

  private Instant parseAt(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw usage("--at must be an ISO-8601 time with an offset, e.g. 2026-12-01T09:30:00Z or 2026-12-01T10:30:00+01:00, got '"
          + text + "'");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
