package io.rebound.destinations;

import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;

import java.time.Instant;
import java.util.List;

/**
 * One connected ad platform account: customer-list sync for known shoppers and server-side events
 * for everyone. Implementations normalise, hash and consent-check with the core's activation rules,
 * split into the platform's batches, send (or, in {@link Mode#DRY_RUN}, record) each request and
 * classify each answer into an {@link Outcome}. They keep no queue and no cursor: what to resend
 * and when is the caller's decision, taken from the {@link SyncReport}.
 */
public interface Destination {

    /**
     * The {@link Outcome.GiveUp} code of a {@link #replaceMembers} that sent nothing because this list cannot
     * be replaced (an empty list; more rows than one replace takes): the caller reconciles by a diff instead.
     */
    String REPLACE_UNAVAILABLE = "replace-unavailable";

    Platform platform();

    Mode mode();

    /**
     * Creates a customer-list audience named {@code name} holding {@code seed}. Meta and Google
     * create an empty list and then add the seed; TikTok and Pinterest create a list only from an
     * upload, so they need at least one uploadable member.
     */
    AudienceResult createAudience(String name, List<Member> seed);

    /** An existing platform audience, by the id its platform shows (no request is made). */
    AudienceRef linkAudience(String id);

    /** Adds members to a customer list (segment JOINED). */
    SyncReport addMembers(AudienceRef audience, List<Member> members);

    /** Removes members from a customer list (segment LEFT, erasure). Never withheld for consent. */
    SyncReport removeMembers(AudienceRef audience, List<Member> members);

    /**
     * Whether {@link #replaceMembers} is available: the platform has an endpoint that makes a list hold
     * exactly what a session uploads (Meta {@code usersreplace}, TikTok {@code action: REPLACE}). Where it
     * has none (Google Data Manager, Pinterest) a full reconciliation adds and removes by a diff.
     */
    default boolean supportsReplace() {
        return false;
    }

    /**
     * Makes the customer list hold exactly {@code all} (the segment's current members): what the platform
     * holds and {@code all} does not is dropped, what it lacks is added. Consent is decided as for an
     * addition, so a member who may not be added is not in the new list. The report's rows index
     * {@code all}; it is {@link SyncReport#complete() complete} only when the whole replace went through —
     * a replace stopped half-way (retry, give up, a crash) leaves the list as it was, and the caller starts
     * a new one. A list the platform cannot replace this way is answered, with nothing sent, by a give-up
     * coded {@link #REPLACE_UNAVAILABLE}.
     *
     * @throws UnsupportedOperationException when {@link #supportsReplace()} is false
     */
    default SyncReport replaceMembers(AudienceRef audience, List<Member> all) {
        throw new UnsupportedOperationException(platform() + " has no replace endpoint: reconcile by a diff");
    }

    /** Sends server-side events; events past the platform's maximum age at {@code now} are skipped. */
    SyncReport sendEvents(List<ServerEvent> events, Instant now);

    /** The last requests built, credentials redacted. */
    RequestLog requests();
}
