package dev.redfleet.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who may POST /messages: the bearer token, the loopback rule and the Host check that goes with it. */
class PostAccessTest {
  private static final String TOKEN = "s3cret-Token_42";

  @Test
  void withATokenOnlyTheRightBearerPassesWhereverThePortIsBound() {
    for (String bind : new String[] {"127.0.0.1", "0.0.0.0"}) {
      PostAccess access = new PostAccess(TOKEN, bind);
      assertThat(access.check("Bearer " + TOKEN, "example.org")).isNull();
      assertThat(access.check("bearer  " + TOKEN + " ", null)).as("scheme case, spaces").isNull();
      assertThat(access.check(null, "127.0.0.1")).isEqualTo(new PostAccess.Refusal(401, "missing Authorization: Bearer <httpToken>", true));
      assertThat(access.check("Bearer " + TOKEN + "x", null)).isEqualTo(new PostAccess.Refusal(401, "wrong bearer token", true));
      assertThat(access.check("Bearer " + TOKEN.substring(1), null).status()).isEqualTo(401);
      assertThat(access.check("Bearer ", null).status()).isEqualTo(401);
      assertThat(access.check("Basic " + TOKEN, null)).isEqualTo(new PostAccess.Refusal(401, "Authorization must be Bearer <httpToken>", true));
      assertThat(access.closed()).isFalse();
      assertThat(access.describe()).doesNotContain(TOKEN);
    }
  }

  @Test
  void withoutATokenOnlyALoopbackPortServesAndOnlyRequestsNamingALoopbackHost() {
    PostAccess open = new PostAccess("", "127.0.0.1");
    assertThat(open.closed()).isFalse();
    assertThat(open.check(null, "127.0.0.1")).isNull();
    assertThat(open.check(null, "localhost")).isNull();
    assertThat(open.check(null, null)).as("no Host (HTTP/1.0)").isNull();
    assertThat(open.check(null, "evil.example").status()).as("DNS rebinding").isEqualTo(403);

    PostAccess everywhere = new PostAccess("", "0.0.0.0");
    assertThat(everywhere.closed()).isTrue();
    assertThat(everywhere.check(null, "127.0.0.1")).isEqualTo(new PostAccess.Refusal(403,
        "POST /messages needs httpToken when the HTTP port is not bound to loopback", false));
    assertThat(everywhere.describe()).contains("0.0.0.0").contains("403");
  }

  @Test
  void loopbackMeansLocalhost127Slash8AndColonColon1WithoutAnyDnsLookup() {
    for (String loopback : new String[] {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1"}) {
      assertThat(PostAccess.isLoopback(loopback)).as(loopback).isTrue();
    }
    for (String other : new String[] {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "127.0.0.256", "localhost.evil.example",
        "my-host", "1:2", "::2", "[::1", ""}) {
      assertThat(PostAccess.isLoopback(other)).as(other).isFalse();
    }
  }
}
