package dev.redfleet.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 7 item 15: every form a Redis URL can take keeps its password out of what is printed. */
class RedisUrlsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // typed                                                    | must stay visible
      "redis://:s3cret@host:6379/0                                | redis://:***@host:6379/0",
      "redis://user:s3cret@host:6379                              | redis://user:***@host:6379",
      "REDIS://:s3cret@host:6379                                  | REDIS://:***@host:6379",
      "`  redis://:s3cret@host:6379  `                            | `  redis://:***@host:6379  `",
      "rediss://default:s3cret@host:6380                          | rediss://default:***@host:6380",
      "redis-sentinel://:s3cret@h1:26379,h2:26379/mymaster        | redis-sentinel://:***@h1:26379,h2:26379/mymaster",
      "redis://user:p@ss:w0rd@s3cret@host:6379                    | redis://user:***@host:6379",
      "redis://:s3cret:with:colons@host                           | redis://:***@host",
      "redis://s3cret@host:6379                                   | redis://***@host:6379",
      "redis://host:6379/0?password=s3cret&db=1                   | redis://host:6379/0?password=***&db=1",
      "redis://host:6379?PASSWORD=s3cret                          | redis://host:6379?PASSWORD=***",
      "unix:///tmp/redis.sock?password=s3cret                     | unix:///tmp/redis.sock?password=***",
      "unix://user:s3cret@/tmp/redis.sock                         | unix://user:***@/tmp/redis.sock",
      ":s3cret@host:6379                                          | :***@host:6379",
      "user:s3cret@host:6379                                      | user:***@host:6379",
      "redis://host:6379                                          | redis://host:6379",
      "`redisUrl must look like redis://host:port, got 'REDIS://:s3cret@h:1' (from option --redis)` | `redisUrl must look like redis://host:port, got 'REDIS://:***@h:1' (from option --redis)`",
      "`namespace may only hold letters, got ' redis://u:s3cret@h' (from option --namespace)` | `namespace may only hold letters, got ' redis://u:***@h' (from option --namespace)`",
      "`two: redis://a:s3cret@h1 and rediss://b:s3cret@h2`        | `two: redis://a:***@h1 and rediss://b:***@h2`",
  })
  void hidesThePassword(String typed, String expected) {
    String redacted = RedisUrls.redact(typed);
    assertThat(redacted).doesNotContain("s3cret").doesNotContain("w0rd").isEqualTo(expected);
  }

  /** Issue 17 item 1: secret settings quoted with their names, in each form a user types them. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`run --redis-password s3cret --workers 2`                  | `run --redis-password *** --workers 2`",
      "`run --redis-password=s3cret`                              | `run --redis-password=***`",
      "`--redis-sentinel-password 's3cret w0rd' --x`              | `--redis-sentinel-password *** --x`",
      "`--http-token s3cret`                                      | `--http-token ***`",
      "`REDIS_PASSWORD=s3cret java -jar app.jar`                  | `REDIS_PASSWORD=*** java -jar app.jar`",
      "`env REDIS_SENTINEL_PASSWORD=s3cret REDFLEET_HTTP_TOKEN=w0rd` | `env REDIS_SENTINEL_PASSWORD=*** REDFLEET_HTTP_TOKEN=***`",
      "`{\"redisPassword\": \"s3cret w0rd\", \"workers\": 2}`  | `{\"redisPassword\": ***, \"workers\": 2}`",
      "`{\"redisSentinelPassword\":\"s3cret\",\"httpToken\":\"w0rd\"}` | `{\"redisSentinelPassword\":***,\"httpToken\":***}`",
  })
  void hidesSecretSettingsByTheirNames(String typed, String expected) {
    assertThat(RedisUrls.redact(typed)).doesNotContain("s3cret").doesNotContain("w0rd").isEqualTo(expected);
  }

  /** ... and leaves prose that names those settings, and every other word, exactly as it was. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`Redis refused the credentials: wrong user name or password, or the ACL user is disabled`",
      "`Redis requires authentication and no password was given: set redisPassword, REDIS_PASSWORD, redisPasswordFile or put it in the URL`",
      "`the sentinels require a password of their own and none was given: set redisSentinelPassword, REDIS_SENTINEL_PASSWORD or --redis-sentinel-password (sentinel 127.0.0.1:26379)`",
      "`the sentinels refused the sentinel password (redisSentinelPassword) (sentinel 127.0.0.1:26379)`",
      "`cannot read redisPasswordFile /run/secrets/redis: no such file`",
      "`prefer env REDIS_PASSWORD or --redis-password-file.`",
      "`redisPassword must be text, got another type (from 'redisPassword' in conf/config.json)`",
      "`Redis unreachable at redis://127.0.0.1:6379: Connection refused: /127.0.0.1:6379`",
  })
  void leavesProseAlone(String text) {
    assertThat(RedisUrls.redact(text)).isEqualTo(text);
  }
}
