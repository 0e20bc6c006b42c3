package dev.slipway.sandbox;

/**
 * A script's result as the JSON text it was stringified to, for a worker that only passes it on to
 * the server: parsing it there only to write it again would be wasted work.
 */
record RawJson(String json) {}
