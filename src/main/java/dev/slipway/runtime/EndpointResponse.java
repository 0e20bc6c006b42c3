package dev.slipway.runtime;

import java.util.Map;

/** What an endpoint answers: status, headers (content type included) and body bytes. */
public record EndpointResponse(int status, Map<String, String> headers, byte[] body) {}
