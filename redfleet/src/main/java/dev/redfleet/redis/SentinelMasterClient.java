package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisStandaloneConnectOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A client of the master a set of sentinels names, with the sentinels' own password kept apart
 * from the master's.
 *
 * <p>Why not vertx-redis-client's sentinel client: it gives the master the credentials of the
 * sentinel endpoint it asked, so sentinels protected by a password of their own (a common setup,
 * and the {@code redisSentinelPassword} setting) cannot be used with a master that has a different
 * one. This client asks the sentinels itself ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}, over one
 * connection, with the sentinel password only) and hands Vert.x's standalone client the master's
 * address with the data user, password and db, through the connect-options supplier that Vert.x
 * queries for every connection it opens.
 *
 * <p>The sentinels' answer is kept for {@link #REFRESH_MS}. An older answer is still used while
 * a fresh one is asked for in the background, so once the first answer is in no request waits on
 * the sentinels; after a failover the next connection goes to the new master at most
 * {@code REFRESH_MS} after the sentinels name it. Connections already open to the old master fail
 * and are retried by their callers, as with any lost connection.
 */
final class SentinelMasterClient implements Redis {
  /** How long an answer of the sentinels is used before they are asked again. */
  static final long REFRESH_MS = 250;

  /** A sentinel refused us (its password or its ACL), as opposed to one that is down. */
  static final class SentinelRefused extends RuntimeException {
    SentinelRefused(RedisConnectionOptions.HostPort sentinel, Throwable cause) {
      super("sentinel " + sentinel + ": " + Backoff.oneLine(cause), cause, false, false);
    }
  }

  /**
   * Every sentinel that answered said it does not know the master name: a setting to fix, not an
   * outage (one-shot commands end with exit 2; {@code run} keeps asking, and says so now and then).
   */
  static final class UnknownMaster extends RuntimeException {
    UnknownMaster(String masterName, List<RedisConnectionOptions.HostPort> unaware, List<String> silent) {
      super("no sentinel knows a master named '" + masterName + "': "
          + String.join(", ", unaware.stream().map(Object::toString).toList())
          + (unaware.size() == 1 ? " answered it does not" : " answered they do not")
          + (silent.isEmpty() ? "" : " (" + String.join("; ", silent) + ")")
          + "; check redisMasterName (--redis-master-name, REDIS_MASTER_NAME)", null, false, false);
    }
  }

  private final Vertx vertx;
  private final RedisConnectionOptions options;
  private final RedisOptions sentinelOptions;
  private final RedisOptions masterOptions;
  private final Function<RedisConnectionOptions.HostPort, String> masterConnectionString;
  private final Redis delegate;
  private final Object lock = new Object();
  /** The last answer (or the first question, until it is answered). */
  private Future<RedisStandaloneConnectOptions> master;
  private long answeredAtNanos;
  private boolean asking;
  /** A one-connection client to the sentinel that answered last; asked first next time. */
  private Redis sentinel;
  private int sentinelIndex;
  private boolean closed;

  /**
   * @param clientOptions pool size, waiting limits and TCP/TLS options of the client to build
   * @param sentinelOptions TCP/TLS options for the sentinel connections (no credentials)
   * @param masterConnectionString the data node's connection string (user, password, db) at an address
   */
  SentinelMasterClient(Vertx vertx, RedisConnectionOptions options, RedisOptions clientOptions,
                       RedisOptions sentinelOptions,
                       Function<RedisConnectionOptions.HostPort, String> masterConnectionString) {
    this.vertx = vertx;
    this.options = options;
    this.sentinelOptions = sentinelOptions;
    this.masterOptions = new RedisOptions(clientOptions).setType(RedisClientType.STANDALONE);
    this.masterConnectionString = masterConnectionString;
    this.delegate = Redis.createStandaloneClient(vertx, masterOptions, this::master);
  }

  /** The connect options of the current master: what Vert.x asks for before each connection. */
  private Future<RedisStandaloneConnectOptions> master() {
    synchronized (lock) {
      if (closed) {
        return Future.failedFuture("the Redis client is closed");
      }
      boolean answered = master != null && master.succeeded();
      if (!answered && !asking) {
        // nothing to go on (start, or the last question failed): everyone waits for this question
        master = ask();
        return master;
      }
      if (answered && !asking && System.nanoTime() - answeredAtNanos > TimeUnit.MILLISECONDS.toNanos(REFRESH_MS)) {
        // stale: keep using it while a fresh answer is asked for
        ask();
      }
      return master;
    }
  }

  /** Asks the sentinels, the last one that answered first; records the answer. Holds {@link #lock}. */
  private Future<RedisStandaloneConnectOptions> ask() {
    asking = true;
    Promise<RedisStandaloneConnectOptions> answer = Promise.promise();
    askFrom(0, null, new ArrayList<>(), new ArrayList<>(), answer);
    return answer.future().andThen(ar -> {
      synchronized (lock) {
        asking = false;
        if (ar.succeeded()) {
          master = Future.succeededFuture(ar.result());
          answeredAtNanos = System.nanoTime();
        }
      }
    });
  }

  /**
   * Asks the sentinels in turn until one names the master. {@code unaware} collects those that
   * answered they do not know it, {@code silent} those that did not answer (and why).
   */
  private void askFrom(int tried, Throwable failure, List<RedisConnectionOptions.HostPort> unaware, List<String> silent,
                       Promise<RedisStandaloneConnectOptions> answer) {
    List<RedisConnectionOptions.HostPort> sentinels = options.endpoints();
    if (tried == sentinels.size()) {
      answer.fail(failure instanceof SentinelRefused || unaware.isEmpty()
          ? failure : new UnknownMaster(options.masterName(), unaware, silent));
      return;
    }
    Redis client;
    int index;
    synchronized (lock) {
      if (closed) {
        answer.fail("the Redis client is closed");
        return;
      }
      index = sentinelIndex % sentinels.size();
      if (sentinel == null) {
        sentinel = Redis.createClient(vertx, new RedisOptions(sentinelOptions)
            .setType(RedisClientType.STANDALONE)
            .setEndpoints(List.of(options.connectionString(sentinels.get(index), null, options.sentinelPassword(), 0)))
            .setMaxPoolSize(1)
            .setMaxPoolWaiting(64));
      }
      client = sentinel;
    }
    RedisConnectionOptions.HostPort at = sentinels.get(index);
    client.send(Request.cmd(Command.SENTINEL).arg("GET-MASTER-ADDR-BY-NAME").arg(options.masterName()))
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() != null && ar.result().size() == 2) {
            Response r = ar.result();
            answer.complete(new RedisStandaloneConnectOptions(masterOptions).setConnectionString(
                masterConnectionString.apply(new RedisConnectionOptions.HostPort(r.get(0).toString(), r.get(1).toInteger()))));
            return;
          }
          Throwable why = ar.succeeded()
              ? new IllegalStateException("sentinel " + at + " does not know a master named '" + options.masterName() + "'")
              : ar.cause();
          if (ar.succeeded()) {
            unaware.add(at);
          } else {
            silent.add(at + " did not answer: " + Backoff.oneLine(ar.cause()));
          }
          if (RedisFailures.permanent(why).isPresent()) {
            why = new SentinelRefused(at, why);
          }
          synchronized (lock) {
            // the next sentinel, on a new connection
            if (sentinel == client) {
              sentinel = null;
              sentinelIndex++;
            }
          }
          client.close();
          // a refusal is what the user must hear about, not the down sentinel asked after it
          askFrom(tried + 1, failure instanceof SentinelRefused ? failure : why, unaware, silent, answer);
        });
  }

  @Override
  public Future<RedisConnection> connect() {
    return delegate.connect();
  }

  @Override
  public Future<Response> send(Request request) {
    return delegate.send(request);
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    return delegate.batch(requests);
  }

  @Override
  public Future<Void> close() {
    Redis toClose;
    synchronized (lock) {
      closed = true;
      toClose = sentinel;
      sentinel = null;
    }
    Future<Void> closing = delegate.close();
    return toClose == null ? closing : closing.eventually(toClose::close);
  }
}
