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
}
