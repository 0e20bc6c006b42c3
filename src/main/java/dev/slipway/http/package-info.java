/**
 * HTTP: the data-plane server (deployed endpoints on their own paths, on bare Jetty), the
 * control-plane server (Studio and the platform API, on Javalin) and the problem+json taxonomy
 * both answer errors with.
 */
package dev.slipway.http;
