/**
 * Deploys and rollbacks: building a release from endpoint versions, compiling it, making it live
 * atomically in this instance, and telling the other instances through PostgreSQL LISTEN/NOTIFY.
 */
package dev.slipway.deploy;
