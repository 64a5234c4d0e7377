package dev.redfleet.cli;

import dev.redfleet.bench.Benchmark;
import dev.redfleet.config.FleetConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure throughput and outcomes of a fleet on this machine.",
        "Starts a private redis-server (or uses --redis, in a fresh namespace whose",
        "prefix is --namespace) and --processes fleet processes of this jar with",
        "interval 0 and --limit N, waits until every message has an outcome, and",
        "reports. Progress goes to stderr, the report to stdout. --config and",
        "--namespace are read and checked as for every command."})
public final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--processes", paramLabel = "P", description = "Fleet processes, one of which generates (default 3).")
  int processes = 3;
  @Option(names = "--limit", paramLabel = "N", description = "Messages to produce and finish (default 1000000).")
  long messages = 1_000_000;
  @Option(names = "--max-delay-ms", paramLabel = "MS", description = "Handler delay uniform in [0, MS); 0 for the raw pipeline (default 1000).")
  int maxDelayMs = 1000;
  @Option(names = "--error-rate", paramLabel = "P", description = "Handler failure probability (default 0.15).")
  double errorRate = 0.15;
  @Option(names = "--workers", paramLabel = "N", description = "Worker verticles per process (default 2).")
  int workers = 2;
  @Option(names = "--concurrency", paramLabel = "N", description = "Messages in flight per worker verticle (default 20000).")
  int concurrency = 20_000;
  @Option(names = "--batch-size", paramLabel = "N", description = "Messages per produce call (default 1000).")
  int batchSize = 1000;
  @Option(names = "--idle-seconds", paramLabel = "S",
      description = "Instead of a throughput run: measure CPU%% of an idle fleet at the 500 ms interval for S seconds.")
  long idleSeconds;
  @Mixin
  CommonOptions common;
  @Option(names = "--rate", paramLabel = "R",
      description = "Paced mode: produce R messages per second for --duration seconds and report pickup latency "
          + "(produce to handler start) at that load; --limit is then R x S.")
  long rate;
  @Option(names = "--duration", paramLabel = "S", description = "Paced mode: seconds to produce for (default 10).")
  long duration = 10;
  // Redis deployments
  @Option(names = "--replicas", paramLabel = "N", description = "Replicas of the private redis-server (default 0).")
  int replicas;
  @Option(names = "--wait-replicas", paramLabel = "N", description = "Run the fleet with --wait-replicas N (default 0).")
  int waitReplicas;
  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;
  // HTTP: metrics, health, the live page
  @Option(names = "--metrics", description = "Give every fleet process an HTTP port (a free one), so its meters count: compare with a run without.")
  boolean metrics;
  // messages in
  @Option(names = "--send", description = {"The bench itself sends the messages (as send and the Java client do, --rate paced",
      "or as fast as Redis takes them in lists of --batch-size); the fleet runs --source none."})
  boolean send;

  @Override
  public Integer call() throws Exception {
    if (processes < 1 || messages < 1 || workers < 1 || concurrency < 1 || maxDelayMs < 0 || batchSize < 1
        || idleSeconds < 0 || !(errorRate >= 0 && errorRate <= 1) || replicas < 0 || replicas > 5 || waitReplicas < 0
        || (common.redis == null && waitReplicas > replicas)) {
      throw new ParameterException(spec.commandLine(),
          "--processes, --limit, --workers, --concurrency and --batch-size must be at least 1, --max-delay-ms and --idle-seconds zero or more, --error-rate between 0 and 1, --replicas 0-5 and --wait-replicas at most --replicas");
    }
    if (rate < 0 || rate > 1_000_000 || duration < 1 || duration > 3600) {
      throw new ParameterException(spec.commandLine(), "--rate must be between 0 and 1000000, --duration between 1 and 3600");
    }
    if (rate > 0) {
      messages = rate * duration;
    }
    if (processes < 2 && idleSeconds == 0) {
      throw new ParameterException(spec.commandLine(), "--processes must be at least 2: the generator handles no messages");
    }
    FleetConfig config;
    Vertx vertx = Vertx.vertx();
    try {
      config = common.load(vertx, Map.of());
    } finally {
      vertx.close();
    }
    // a private redis-server unless --redis is given on the command line: a bench never runs
    // against a Redis it was not pointed at explicitly
    String redis = common.redis == null ? null : config.redisUrl();
    JsonObject report = new Benchmark(new Benchmark.Options(processes, messages, workers, concurrency, maxDelayMs,
        errorRate, batchSize, idleSeconds, redis, config.namespace(), metrics, rate, replicas, waitReplicas, send,
        config.shards()), System.err).run();
    System.out.println(json ? report.encode() : human(report));
    return 0;
  }

  private static String human(JsonObject r) {
    StringBuilder b = new StringBuilder();
    for (String field : r.fieldNames()) {
      Object v = r.getValue(field);
      String text = v instanceof Long l ? String.format(Locale.ROOT, "%,d", l) : String.valueOf(v);
      if (field.endsWith("_ms") && v instanceof Double d) {
        text = String.format(Locale.ROOT, "%.3f", d);
      }
      if (field.endsWith("_bytes") && v instanceof Long l) {
        text = String.format(Locale.ROOT, "%,d (%.1f MiB)", l, l / 1048576.0);
      }
      b.append(String.format(Locale.ROOT, "%-26s %s%n", field, text));
    }
    return b.toString().stripTrailing();
  }
}
