package dev.slipway.store;

import java.time.Instant;
import java.util.List;

/** An immutable set of endpoint versions that can be made live. */
public record Release(
    long id,
    long orgId,
    String environment,
    String note,
    Instant createdAt,
    List<EndpointVersion> versions) {}
