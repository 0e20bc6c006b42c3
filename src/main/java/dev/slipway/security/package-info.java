/**
 * Who may do what: users, orgs and their members with a role each ({@link
 * dev.slipway.security.Role}), sign-in with Argon2id passwords and short-lived access tokens
 * ({@link dev.slipway.security.SignIn}, {@link dev.slipway.security.Tokens}), API keys and consumer
 * keys, and the one authorisation check every platform route passes ({@link
 * dev.slipway.security.Authenticator} names the {@link dev.slipway.security.Actor}, {@link
 * dev.slipway.security.Access} decides its {@link dev.slipway.security.Action}). Also the org rules
 * kept with them: secrets sealed under the master key, and each org's egress allow-list.
 */
package dev.slipway.security;
