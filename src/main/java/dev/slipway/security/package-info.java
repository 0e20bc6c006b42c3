/** Who may use the control plane. Until users and roles exist, one admin bearer token. */
package dev.slipway.security;
