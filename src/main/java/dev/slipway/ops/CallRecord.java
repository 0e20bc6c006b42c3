package dev.slipway.ops;

import java.time.Instant;

/**
 * One data-plane call, as logged.
 *
 * @param endpoint the endpoint's name, null when no route matched
 * @param version the endpoint version that served it, 0 when no route matched
 * @param orgId the org whose endpoint served it, 0 when no route matched (such calls are no org's)
 * @param error the internal reason of a failure (never sent to the client), null on success
 */
public record CallRecord(
    Instant at,
    String requestId,
    String method,
    String path,
    String endpoint,
    int version,
    long orgId,
    long releaseId,
    int status,
    long durationMicros,
    String error) {}
