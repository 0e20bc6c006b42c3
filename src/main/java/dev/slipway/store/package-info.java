/**
 * PostgreSQL: the connection pool, the embedded server used when no database URL is configured,
 * Flyway migrations of Slipway's own schema, the demo data, and the repositories of endpoints,
 * versions, releases and settings (plain JDBC).
 */
package dev.slipway.store;
