/**
 * Realtime channels: messages published on an org's topics (migration V21: an {@code emit} step,
 * {@code ctx.emit}, {@code slipway_runtime.emit}, a table's {@code publish_change} trigger) reach
 * every instance by PostgreSQL's NOTIFY after their transaction commits, and {@link
 * dev.slipway.realtime.Hub} hands each to the subscribers of its topic on this instance, each
 * through a bounded {@link dev.slipway.realtime.Subscriber} queue.
 */
package dev.slipway.realtime;
