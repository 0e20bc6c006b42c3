/** Operations: the per-call log of the data plane and the figures the control plane reports. */
package dev.slipway.ops;
