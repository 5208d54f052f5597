package io.rebound.destinations.internal;

import io.rebound.core.activation.BatchLimits;
import io.rebound.core.activation.BatchPlanner;
import io.rebound.core.activation.ConsentDecision;
import io.rebound.core.activation.ConsentDecision.Purpose;
import io.rebound.core.activation.Contact;
import io.rebound.core.activation.MatchKeys;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.internal.Deliveries.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What every platform destination shares: its platform and {@link Exchange} (mode, request log),
 * linking an audience by its id, additions and removals as one list change, creating an audience
 * empty and then seeding it or from its first batch, and preparing rows: each input's consent is
 * decided, then the platform's rows are made from its match keys, or the input is skipped with the
 * platform's reason.
 *
 * @param <C> the platform's settings, which name the platform, the store's consent policy and the identifier rules
 * @param <R> the platform's request builder
 */
public abstract class PlatformDestination<C extends PlatformSettings, R> implements Destination {

    private final String audienceKind;
    private final int idDigits;
    /** The platform's settings. */
    protected final C config;
    /** Builds the platform's requests. */
    protected final R requests;
    /** Where every request goes. */
    protected final Exchange exchange;

    /**
     * @param audienceKind what {@link #linkAudience} takes, for its message, e.g. {@code "a Meta custom audience id"}
     * @param idDigits     how many digits such an id has at most
     * @param config       the platform's settings
     * @param requests     builds the platform's requests
     * @param exchange     where requests go
     */
    protected PlatformDestination(String audienceKind, int idDigits, C config, R requests, Exchange exchange) {
        this.audienceKind = audienceKind;
        this.idDigits = idDigits;
        this.config = config;
        this.requests = requests;
        this.exchange = exchange;
    }

    @Override
    public final Platform platform() {
        return config.platform();
    }

    @Override
    public final Mode mode() {
        return exchange.mode();
    }

    @Override
    public final RequestLog requests() {
        return exchange.log();
    }

    @Override
    public final AudienceRef linkAudience(String id) {
        return AudienceRef.of(platform(), ConfigChecks.digits(id, idDigits, audienceKind + " is digits, got "));
    }

    @Override
    public final SyncReport addMembers(AudienceRef audience, List<Member> members) {
        return change(audience, members, false);
    }

    @Override
    public final SyncReport removeMembers(AudienceRef audience, List<Member> members) {
        return change(audience, members, true);
    }

    /** Adds ({@code remove} false) or removes members. */
    protected abstract SyncReport change(AudienceRef audience, List<Member> members, boolean remove);

    /** A replace that sent nothing because this list cannot be replaced ({@link #REPLACE_UNAVAILABLE}). */
    protected static SyncReport unavailable(Prepared<?> prepared, String why) {
        return new SyncReport(List.of(new SyncReport.Delivery(List.of(), new Outcome.GiveUp(REPLACE_UNAVAILABLE, why, List.of()))),
                prepared.skipped(), List.of());
    }

    /** A report of nothing sent and nothing skipped. */
    protected static SyncReport nothing() {
        return new SyncReport(List.of(), List.of(), List.of());
    }

    /**
     * The result of creating an empty audience (Meta, Google) and then adding {@code seed} to it.
     *
     * @param id      the new audience's id ({@code dry-run} in dry-run), or null when it was not created
     * @param outcome how the creation request was answered
     */
    protected final AudienceResult seeded(String id, Outcome outcome, List<Member> seed) {
        if (id == null) {
            return new AudienceResult(null, nothing(), outcome);
        }
        AudienceRef ref = AudienceRef.of(platform(), id);
        return new AudienceResult(ref, seed.isEmpty() ? nothing() : addMembers(ref, seed), outcome);
    }

    /**
     * A creation's answer.
     *
     * @param audience the new audience, or null when it was not created
     * @param outcome  how the platform answered (the outcome that stopped it when it was not created)
     */
    public record Created(AudienceRef audience, Outcome outcome) {
    }

    /**
     * Creates an audience from its first batch of rows (TikTok and Pinterest create no empty list),
     * then adds the other rows to it.
     *
     * @param prepared the seed's rows
     * @param empty    the message when no seed member has a row
     * @param create   creates the audience from the first batch's rows
     * @param rest     adds the other rows to the new audience
     */
    protected final <T> AudienceResult createFromFirstBatch(Prepared<T> prepared, String empty, BatchPlanner.Framing framing,
                                                            BatchLimits limits, Function<List<Row<T>>, Created> create,
                                                            BiFunction<AudienceRef, List<Row<T>>, SyncReport> rest) {
        List<Row<T>> rows = prepared.rows();
        if (rows.isEmpty()) {
            return new AudienceResult(null, new SyncReport(List.of(), prepared.skipped(), List.of()),
                    new Outcome.GiveUp("empty", empty, List.of()));
        }
        BatchPlanner.Batch first = BatchPlanner.plan(rows.size(), i -> rows.get(i).encoded().length, framing, limits)
                .batches().get(0);
        List<Row<T>> firstRows = rows.subList(first.from(), first.to());
        List<Integer> firstInputs = firstRows.stream().map(Row::input).distinct().toList();
        Created created = create.apply(firstRows);
        List<SyncReport.Delivery> deliveries = new ArrayList<>();
        deliveries.add(new SyncReport.Delivery(firstInputs, created.outcome()));
        if (created.audience() == null) {
            return new AudienceResult(null, new SyncReport(deliveries, prepared.skipped(), List.of()), created.outcome());
        }
        SyncReport others = rest.apply(created.audience(), rows.subList(first.to(), rows.size()));
        deliveries.addAll(others.deliveries());
        return new AudienceResult(created.audience(), new SyncReport(deliveries, prepared.skipped(), others.notAttempted()),
                created.outcome());
    }

    /**
     * Rows ready for the wire, and the inputs not sent with the reason.
     *
     * @param <T> the row type
     */
    public record Prepared<T>(List<Row<T>> rows, List<SyncReport.Skip> skipped) {
    }

    /**
     * What one input whose consent allows sending becomes: its rows, or the reason it is skipped.
     *
     * @param <I> the input type
     * @param <T> the row type
     */
    @FunctionalInterface
    public interface RowMaker<I, T> {
        Rows<T> rows(I input, MatchKeys keys, ConsentDecision decision);
    }

    /**
     * One input's rows, or why it has none.
     *
     * @param values the rows, empty when skipped
     * @param skip   the reason it is skipped, or null
     * @param <T>    the row type
     */
    public record Rows<T>(List<T> values, String skip) {

        /** {@code values}, or a skip for {@code reason} when there are none. */
        public static <T> Rows<T> of(List<T> values, String reason) {
            return values.isEmpty() ? skip(reason) : new Rows<>(values, null);
        }

        public static <T> Rows<T> one(T value) {
            return new Rows<>(List.of(value), null);
        }

        /** {@code value}, or a skip for {@code reason} when {@code send} is false. */
        public static <T> Rows<T> one(T value, boolean send, String reason) {
            return send ? one(value) : skip(reason);
        }

        public static <T> Rows<T> skip(String reason) {
            return new Rows<>(List.of(), reason);
        }
    }

    /** Members' rows: consent for adding or removing, then {@code maker}'s rows, each encoded by {@code encode}. */
    protected final <T> Prepared<T> prepareMembers(List<Member> members, boolean remove, Function<T, byte[]> encode,
                                                   RowMaker<Member, T> maker) {
        return prepare(members, Member::consent, Member::contact, remove ? Purpose.REMOVE_FROM_LIST : Purpose.ADD_TO_LIST,
                m -> null, encode, maker);
    }

    /** Events' rows: consent for a server event, then {@code maker}'s rows, each encoded by {@code encode}. */
    protected final <T> Prepared<T> prepareEvents(List<ServerEvent> events, Function<T, byte[]> encode,
                                                  RowMaker<ServerEvent, T> maker) {
        return prepareEvents(events, e -> null, encode, maker);
    }

    /** As {@link #prepareEvents(List, Function, RowMaker)}, skipping first the events {@code before} names a reason for. */
    protected final <T> Prepared<T> prepareEvents(List<ServerEvent> events, Function<ServerEvent, String> before,
                                                  Function<T, byte[]> encode, RowMaker<ServerEvent, T> maker) {
        return prepare(events, ServerEvent::consent, ServerEvent::contact, Purpose.SERVER_EVENT, before, encode, maker);
    }

    private <I, T> Prepared<T> prepare(List<I> inputs, Function<I, AdConsent> consent, Function<I, Contact> contact,
                                       Purpose purpose, Function<I, String> before, Function<T, byte[]> encode,
                                       RowMaker<I, T> maker) {
        List<Row<T>> rows = new ArrayList<>();
        List<SyncReport.Skip> skipped = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            I input = inputs.get(i);
            String early = before.apply(input);
            if (early != null) {
                skipped.add(new SyncReport.Skip(i, early));
                continue;
            }
            ConsentDecision d = ConsentDecision.decide(consent.apply(input), config.policy(), purpose);
            if (!d.send()) {
                skipped.add(new SyncReport.Skip(i, d.reason()));
                continue;
            }
            Rows<T> made = maker.rows(input, config.rules().keys(contact.apply(input)), d);
            if (made.skip() != null) {
                skipped.add(new SyncReport.Skip(i, made.skip()));
            }
            for (T value : made.values()) {
                rows.add(new Row<>(i, encode.apply(value), value));
            }
        }
        return new Prepared<>(rows, skipped);
    }
}
