package dev.slipway.spec;

import java.util.List;

/** Which browser origins may call an endpoint, and what they may send and read. */
public record Cors(
    List<String> origins,
    boolean credentials,
    List<String> headers,
    List<String> exposeHeaders,
    int maxAgeSeconds) {}
