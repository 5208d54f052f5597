package io.rebound.destinations;

/**
 * The result of creating a platform audience.
 *
 * @param audience the audience, or null when creation failed
 * @param seed     what happened to the members it was created with (empty when none were given)
 * @param outcome  how the creation request itself was answered
 */
public record AudienceResult(AudienceRef audience, SyncReport seed, Outcome outcome) {
}
