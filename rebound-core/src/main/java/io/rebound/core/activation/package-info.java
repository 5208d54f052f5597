/**
 * The pure rules of activation — what may leave for an ad platform and in which shape, before any
 * wire format: each platform's identifier normalisation and hashing ({@link
 * io.rebound.core.activation.IdentifierRules}), its request limits and the batch planning within them
 * ({@link io.rebound.core.activation.PlatformLimits}, {@link io.rebound.core.activation.BatchPlanner}),
 * and the consent decision per row ({@link io.rebound.core.activation.ConsentDecision}). No I/O, no clock:
 * the platforms' request builders and senders live in {@code rebound-destinations}.
 */
package io.rebound.core.activation;
