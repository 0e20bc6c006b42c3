/**
 * Problems: {@link dev.slipway.problem.ProblemException}, the one exception every layer throws when
 * a request cannot be served, its {@link dev.slipway.problem.Violation}s, and {@link
 * dev.slipway.problem.Problems}, which renders it as an RFC 9457 {@code application/problem+json}
 * body. Below everything that throws it; the servers of both planes answer with {@code
 * runtime.EndpointResponse.problem}.
 */
package dev.slipway.problem;
