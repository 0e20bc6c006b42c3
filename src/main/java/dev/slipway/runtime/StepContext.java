package dev.slipway.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a step gets for one request, through one parameter: the values it can read, the
 * request's database work, and where its log lines go.
 */
final class StepContext {
  final Scope scope;
  final Transaction transaction;
  final EndpointRequest request;
  final boolean preview;
  final long orgId;
  final List<String> logs = new ArrayList<>();
  final CallMeter meter;

  StepContext(
      Scope scope,
      Transaction transaction,
      EndpointRequest request,
      boolean preview,
      long orgId,
      CallMeter meter) {
    this.meter = meter;
    this.orgId = orgId;
    this.scope = scope;
    this.transaction = transaction;
    this.request = request;
    this.preview = preview;
  }
}
