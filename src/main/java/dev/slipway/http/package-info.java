/**
 * HTTP: the data-plane server (deployed endpoints on their own paths, on bare Jetty), the
 * control-plane server (Studio and the platform API, on Javalin) and the handler of the servers'
 * own protocol errors; all three answer errors as problem+json ({@code dev.slipway.problem}).
 */
package dev.slipway.http;
