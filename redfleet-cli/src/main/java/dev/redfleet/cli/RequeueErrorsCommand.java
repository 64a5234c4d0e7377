package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.errors.ErrorRequeuer;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Vertx;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "requeue-errors", aliases = "requeueErrors", mixinStandardHelpOptions = true,
    description = {"Move entries of the errors list back into the queue as new messages, oldest first.",
        "Each gets a new id; the header " + ErrorRequeuer.REQUEUED_FROM + " names the failed one; key, headers and body are kept.",
        "Entries that are not failed messages (malformed, duplicate) are left in place and counted.",
        "Each entry moves in one atomic step: safe to kill and to run again, nothing lost or doubled."})
public final class RequeueErrorsCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--limit", paramLabel = "N", description = "Move at most N entries (default: all).")
  Long limit;

  @Option(names = "--id", paramLabel = "ID",
      description = "Only the entries of this original message id (repeat the option for several).")
  List<Long> ids = List.of();

  @Override
  public Integer call() {
    if (limit != null && limit < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 or more, got " + limit);
    }
    for (long id : ids) {
      if (id < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--id must be a message id (1 or more), got " + id);
      }
    }
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Scripts scripts = CommonOptions.issuing(vertx, config, CommonOptions.connect(vertx, config));
      Shards shards = CommonOptions.shards(config);
      long wanted = limit == null ? Long.MAX_VALUE : limit;
      // one shard after the other, each requeued into itself (its entry and its new message are in
      // one slot); what the limit leaves goes to the next shard
      ErrorRequeuer.Result result = null;
      long requeuedBefore = 0;
      for (int s = 0; s < shards.count() && wanted > 0; s++) {
        int shard = s;
        ErrorRequeuer requeuer = new ErrorRequeuer(scripts, shards.shard(s), wanted, new LinkedHashSet<>(ids),
            shards.count() == 1 ? null : local -> shards.globalId(shard, local));
        ErrorRequeuer.Result one;
        try {
          // no time limit on the whole run: a million entries take a while; each call has its own
          one = requeuer.run().await();
        } catch (Throwable e) {
          RuntimeException failure = OneShot.failed(config, "the requeue", e);
          if (failure instanceof RedisUnreachableException) {
            throw new RedisUnreachableException("lost Redis at " + RedisUrls.redact(config.redisUrl()) + " after requeuing "
                + (requeuedBefore + requeuer.requeuedSoFar()) + " error(s) (" + Backoff.oneLine(e)
                + "); the rest stay in the errors list");
          }
          throw failure;
        }
        requeuedBefore += one.requeued();
        wanted -= one.requeued();
        result = result == null ? one : ErrorRequeuer.Result.both(result, one);
      }
      System.out.println(summary(result));
      return 0;
    } finally {
      OneShot.close(vertx);
    }
  }

  static String summary(ErrorRequeuer.Result r) {
    StringBuilder b = new StringBuilder("requeued ").append(r.requeued()).append(" error(s) as new messages");
    if (r.leftInPlaceTotal() > 0) {
      b.append("; ").append(r.leftInPlaceTotal()).append(" left in place, not failed messages (")
          .append(r.leftInPlace().entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
              .collect(Collectors.joining(", ")))
          .append(')');
    }
    if (r.gone() > 0) {
      b.append("; ").append(r.gone()).append(" taken by another reader meanwhile");
    }
    Set<Long> missing = r.idsNotFound();
    if (!missing.isEmpty()) {
      b.append("; no failed message with id ")
          .append(missing.stream().sorted().map(String::valueOf).collect(Collectors.joining(", ")));
    }
    return b.toString();
  }
}
