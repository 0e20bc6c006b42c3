/**
 * From a spec to live traffic: {@link dev.slipway.deploy.Drafts} checks and saves specs as draft
 * versions and compiles them for preview; {@link dev.slipway.deploy.DraftTests} runs a bundle's
 * tests against its drafts; {@link dev.slipway.deploy.Deployer} builds a release from versions,
 * compiles it, makes it live atomically in this instance and tells the other instances through
 * PostgreSQL LISTEN/NOTIFY; rollbacks do the same with an earlier release.
 */
package dev.slipway.deploy;
