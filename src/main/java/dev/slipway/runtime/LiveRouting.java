package dev.slipway.runtime;

/**
 * The routing table in service. A request reads it once when it starts and keeps that table to
 * the end, so a swap never changes the version a request in flight runs on.
 */
public final class LiveRouting {
  private volatile RoutingTable table = RoutingTable.EMPTY;

  public RoutingTable current() {
    return table;
  }

  public void swap(RoutingTable next) {
    table = next;
  }
}
