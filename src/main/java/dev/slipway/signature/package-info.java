/**
 * Webhook signatures, in and out: {@link dev.slipway.signature.WebhookVerifier} checks that an
 * incoming delivery was signed with the endpoint's secret the way its provider signs (Stripe,
 * GitHub, Slack, Standard Webhooks, or a configurable HMAC), within a timestamp tolerance where the
 * provider sends one, and answers a {@link dev.slipway.signature.Verification} with a reason safe
 * to show the caller and the event id used to recognise replays. Each provider also signs, so that
 * outgoing deliveries and tests can produce the headers it would send. Pure computation on the JDK
 * and Jackson: no I/O, no state, no threads.
 */
package dev.slipway.signature;
