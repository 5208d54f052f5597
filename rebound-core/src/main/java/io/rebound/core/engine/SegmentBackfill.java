package io.rebound.core.engine;

import io.rebound.core.segment.MembershipTimeline;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentEvaluator;

import java.time.Instant;

/**
 * The per-person step of a pass over a store's persons after one of its segments was created,
 * edited or deleted — the one every runtime runs, on decoded states or straight on the stored
 * {@link PersonStateCodec} bytes. A person is either left alone (the step returns null) or brought
 * in line by {@link AudienceProcessor#backfill}.
 *
 * <p>Who is left alone: a person with no status in the segment (never a member, no recent leave to
 * remember) whom the segment cannot make a member at any instant from the moment it took effect on —
 * {@link MembershipTimeline.Plan#mayMatchFrom}, types and times only — or, for a
 * deleted segment, anyone with no status in it. Leaving them alone records exactly what processing
 * them would: their next event or timer evaluates the segment from the instant it took effect and
 * finds no change, and every other segment's changes are dated at their exact instants whenever they
 * are recorded. A person never evaluated at all is always processed.
 *
 * <p>Immutable and thread-safe: a runtime may run the steps of one chunk in parallel and apply the
 * results in order.
 */
public final class SegmentBackfill {
    private final AudienceProcessor processor;
    private final String segmentId;
    private final Segment segment;
    /** The segment prepared for evaluation; null when deleted. */
    private final MembershipTimeline.Plan plan;
    private final byte[] segmentIdUtf8;
    /** The store's id and its segments' ids, which decoded states share rather than copy. */
    private final String[] known;
    /** Whether a stored header's latest times tell all the events would: no include alternative counts events. */
    private final boolean headerDecides;

    /**
     * @param processor the store's processor, holding the segments as they are now
     * @param segmentId the segment created, edited or deleted (absent from {@code processor} when deleted)
     */
    public SegmentBackfill(AudienceProcessor processor, String segmentId) {
        this.processor = processor;
        this.segmentId = segmentId;
        this.segment = processor.segments().stream().filter(s -> s.id().equals(segmentId)).findFirst().orElse(null);
        this.segmentIdUtf8 = segmentId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.known = java.util.stream.Stream.concat(java.util.stream.Stream.of(processor.storeId()),
                processor.segments().stream().map(Segment::id)).toArray(String[]::new);
        this.plan = segment == null ? null : SegmentEvaluator.plan(segment.definition());
        this.headerDecides = plan == null || plan.decidedByLatest();
    }

    /**
     * What the step did to a stored person.
     *
     * @param result  what the processor returned
     * @param encoded {@code result.state()} encoded, to store
     */
    public record Stored(AudienceProcessor.Result result, byte[] encoded) {
    }

    public AudienceProcessor processor() {
        return processor;
    }

    /**
     * The step for a stored state: null when the person is left alone — decided from the state's
     * header (statuses, latest time of each event type) unless the segment counts events
     * ({@code min_count}) or the state predates those times, when the events' types and times are
     * read. The new state comes encoded, so that a runtime running steps in parallel encodes in
     * parallel too.
     */
    public Stored step(byte[] stored, Instant now) {
        PersonStateCodec.Header header = PersonStateCodec.peek(stored);
        boolean mustProcess = !header.evaluated() || header.hasStatus(segmentIdUtf8);
        if (!mustProcess && (plan == null || !plan.mayMatch(header.typeMask())
                || header.hasLatest() && !plan.mayMatchFrom(header::latest, from(now)))) {
            return null;
        }
        PersonState decoded = PersonStateCodec.decode(stored, known);
        // What the header could not rule out, the events may: unless the header already said all they would.
        AudienceProcessor.Result result = mustProcess || header.hasLatest() && headerDecides
                ? processor.backfill(decoded, now) : step(decoded, now);
        return result == null ? null : new Stored(result, PersonStateCodec.encode(result.state(), stored, decoded));
    }

    /** The step for a decoded state: null when the person is left alone. */
    public AudienceProcessor.Result step(PersonState state, Instant now) {
        return leftAlone(state, now) ? null : processor.backfill(state, now);
    }

    /** Whether the pass can leave this person as they are (see the class comment). */
    public boolean leftAlone(PersonState state, Instant now) {
        if (state.segments().containsKey(segmentId) || state.evaluatedAt() == null) {
            return false;
        }
        if (segment == null) {
            return true;
        }
        return !plan.mayMatchFrom(state.visitor(), from(now));
    }

    /** From when the segment's memberships are evaluated, epoch millis: when it took effect, or now if that is still ahead. */
    private long from(Instant now) {
        return (segment.effectiveFrom().isBefore(now) ? segment.effectiveFrom() : now).toEpochMilli();
    }
}
