package dev.slipway.ops;

import java.time.Instant;
import java.util.Locale;

/**
 * Which calls of an org {@code GET /api/logs} asks for; every part may be null (any). Calls come
 * newest first, ordered by time and then request id; {@code before} continues a page.
 *
 * @param statusClass 2 for 2xx, 4 for 4xx, and so on
 * @param text a piece of the error's text or code, in any case
 * @param before the position of the last call of the page before: only older calls
 */
public record CallQuery(
    String endpoint,
    Integer version,
    Integer statusClass,
    String errorCode,
    String caller,
    Instant from,
    Instant to,
    String requestId,
    String text,
    Position before) {

  /** Every call. */
  public static final CallQuery ALL =
      new CallQuery(null, null, null, null, null, null, null, null, null, null);

  /** The calls with this request id. */
  public static CallQuery byRequestId(String requestId) {
    return new CallQuery(null, null, null, null, null, null, null, requestId, null, null);
  }

  /** Where a call stands in the order: its time, then its request id. */
  public record Position(Instant at, String requestId) implements Comparable<Position> {
    @Override
    public int compareTo(Position other) {
      int byTime = at.compareTo(other.at);
      return byTime != 0 ? byTime : requestId.compareTo(other.requestId);
    }

    /** The position as a cursor: {@code <epoch micros>~<request id>}. */
    public String cursor() {
      long micros = at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
      return micros + "~" + requestId;
    }

    /** Reads a cursor; null when it is not one. */
    public static Position of(String cursor) {
      int tilde = cursor.indexOf('~');
      if (tilde <= 0) return null;
      try {
        long micros = Long.parseLong(cursor.substring(0, tilde));
        return new Position(
            Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L),
            cursor.substring(tilde + 1));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** The call's position, its time cut to microseconds as the database keeps it. */
  public static Position positionOf(CallRecord call) {
    Instant at = call.at();
    return new Position(at.minusNanos(at.getNano() % 1000), call.requestId());
  }

  /** Whether {@code call}, one of the org's, is asked for (the same test the database applies). */
  public boolean matches(CallRecord call) {
    if (endpoint != null && !endpoint.equals(call.endpoint())) return false;
    if (version != null && version != call.version()) return false;
    if (statusClass != null && statusClass != call.statusClass()) return false;
    if (errorCode != null && !errorCode.equals(call.errorCode())) return false;
    if (caller != null && !caller.equals(call.caller())) return false;
    if (requestId != null && !requestId.equals(call.requestId())) return false;
    Position position = positionOf(call);
    if (from != null && position.at().isBefore(from)) return false;
    if (to != null && !position.at().isBefore(to)) return false;
    if (before != null && position.compareTo(before) >= 0) return false;
    if (text != null) {
      String needle = text.toLowerCase(Locale.ROOT);
      boolean inError =
          call.error() != null && call.error().toLowerCase(Locale.ROOT).contains(needle);
      boolean inCode =
          call.errorCode() != null && call.errorCode().toLowerCase(Locale.ROOT).contains(needle);
      if (!inError && !inCode) return false;
    }
    return true;
  }
}
