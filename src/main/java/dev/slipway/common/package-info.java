/**
 * What every layer uses and that belongs to none: the configured JSON and YAML mappers and SHA-256
 * ({@link dev.slipway.common.Json}), and files bundled on the class path ({@link
 * dev.slipway.common.Resources}).
 */
package dev.slipway.common;
