/**
 * Templates: generators from a small config to whole endpoints. {@link
 * dev.slipway.templates.FieldTypes} compiles the validation mini-language ({@code
 * "string(1..200)"}, {@code "enum('a','b')"}, {@code "integer(0..)?"}) to the JSON Schema the
 * request validator enforces and to the same schema as Zod source, so docs, validation and client
 * code agree.
 */
package dev.slipway.templates;
