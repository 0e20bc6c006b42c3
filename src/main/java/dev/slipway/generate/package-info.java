/**
 * Plain language to endpoints: the schema analyzer ({@link dev.slipway.generate.SchemaAnalyzer},
 * what an org's SQL can reach, read from the catalog), join paths along foreign keys and the tables
 * relevant to a description.
 */
package dev.slipway.generate;
