package dev.slipway.problem;

/** One thing wrong with a spec or an input: a JSON pointer to where, and what. */
public record Violation(String path, String message) {}
