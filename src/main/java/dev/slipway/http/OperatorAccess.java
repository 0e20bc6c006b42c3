package dev.slipway.http;

import dev.slipway.problem.ProblemException;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use what is the operator's, not an org's (metrics, quotas): whoever sends the operator's
 * token, compared in constant time; without a token set, only this host when {@code loopback} may
 * stand in for one, else nobody.
 */
final class OperatorAccess {
  private OperatorAccess() {}

  /**
   * Refuses the request unless it carries {@code token} as a bearer token ({@code setting} names
   * it), or, with none set and {@code loopbackWithoutToken}, comes from this host.
   */
  static void require(
      Context ctx, Optional<String> token, String setting, boolean loopbackWithoutToken) {
    if (token.isPresent()) {
      String sent = Optional.ofNullable(ctx.header("Authorization")).orElse("");
      if (!MessageDigest.isEqual(
          sent.getBytes(StandardCharsets.UTF_8),
          ("Bearer " + token.get()).getBytes(StandardCharsets.UTF_8)))
        throw new ProblemException(
            401,
            "unauthorized",
            "Unauthorized",
            "Send the operator's token (" + setting + ") as 'Authorization: Bearer <token>'.",
            List.of(),
            Map.of("WWW-Authenticate", "Bearer"));
      return;
    }
    if (loopbackWithoutToken && loopback(ctx.req().getRemoteAddr())) return;
    throw new ProblemException(
        403,
        "forbidden",
        "Forbidden",
        loopbackWithoutToken
            ? "This is served to this host only unless " + setting + " is set."
            : "This is the operator's and is off: set " + setting + " to use it.");
  }

  private static boolean loopback(String address) {
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
