/**
 * PostgreSQL: the embedded server used when no database URL is configured, the platform's pool and
 * Flyway migrations of Slipway's own schema, org-scoped transactions ({@link
 * dev.slipway.store.PlatformTransactions}), each org's database login and pool for endpoint SQL,
 * {@code LISTEN}/{@code NOTIFY}, the demo data, and the repositories of endpoints, versions,
 * releases, identities, credentials, audit, calls and settings (plain JDBC).
 */
package dev.slipway.store;
