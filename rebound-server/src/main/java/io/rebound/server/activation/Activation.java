package io.rebound.server.activation;

import io.rebound.core.activation.Contact;
import io.rebound.core.activation.Platform;
import io.rebound.core.activation.ServerEvent;
import io.rebound.core.engine.AdConsent;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.EventType;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.AudienceResult;
import io.rebound.destinations.Destination;
import io.rebound.destinations.Member;
import io.rebound.destinations.Mode;
import io.rebound.destinations.Outcome;
import io.rebound.destinations.meta.MetaDestination;
import io.rebound.destinations.RecordedRequest;
import io.rebound.destinations.RequestLog;
import io.rebound.destinations.SyncReport;
import io.rebound.destinations.Transport;
import io.rebound.destinations.delivery.Backoff;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.DeliveryEngine;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.destinations.delivery.ForwardWorker;
import io.rebound.destinations.delivery.Pacer;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.destinations.delivery.Reconciler;
import io.rebound.destinations.delivery.Reconciliation;
import io.rebound.destinations.delivery.SyncWorker;
import io.rebound.destinations.delivery.Withholding;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.Audiences;
import io.rebound.server.audience.SegmentRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Activation on one server: the store owners' connected destinations ({@link JdbcDestinations},
 * credentials encrypted), the segments paired with them ({@link JdbcDeliveryRepository}), and a
 * customer-list sync worker per destination on a thread of its own ({@link DeliveryEngine}). The API and
 * the dashboard connect, change, test and remove destinations through it; a change restarts that
 * destination's worker and no other. Each destination keeps the last requests it built (live or
 * dry-run, credentials redacted) across restarts of its worker.
 * <p>
 * Which node runs a destination's worker is the {@link Ownership}'s decision: every destination on
 * one embedded server; one node at a time in a cluster. A claim round every {@link #CLAIM_INTERVAL}
 * starts the destinations this node may now run (created elsewhere, or released by a node that died),
 * restarts those changed elsewhere and stops those removed.
 */
public final class Activation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Activation.class);
    /** At most this many destinations per store. */
    public static final int MAX_PER_STORE = 20;
    /** Members offered as the seed of a platform audience that can only be created from an upload. */
    static final int MAX_SEED = 1_000;
    /** Pending changes are counted up to this many per pairing (the status shows "10000+"). */
    public static final int PENDING_CAP = 10_000;

    private final JdbcDestinations destinations;
    private final JdbcDeliveryRepository deliveries;
    private final Audiences audiences;
    /** Replaced once, before {@link #start()}, by {@link #withholding(Function)}. */
    private volatile ListSync sync;
    private final DeliveryEngine engine;
    private final Transport transport;
    private final Clock clock;
    private final Map<String, RequestLog> logs = new ConcurrentHashMap<>();
    /** One pacer per ad account on this node, shared by every destination acting on that account. */
    private final Map<String, Pacer> pacers = new ConcurrentHashMap<>();
    private final Map<String, SyncWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, ForwardWorker> forwarders = new ConcurrentHashMap<>();
    /** The store events to forward; null where this runtime does not forward (yet). */
    private final EventSource events;
    /** The version ({@code updated_at}) of each destination whose worker runs here. */
    private final Map<String, Instant> running = new ConcurrentHashMap<>();
    private final Ownership ownership;
    private final java.util.concurrent.ScheduledExecutorService claims = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("rebound-activation-claims").factory());
    /** How often a node claims, restarts and stops workers to match the destinations table. */
    public static final Duration CLAIM_INTERVAL = Duration.ofSeconds(5);
    private volatile boolean started;

    /**
     * @param pollInterval how often a caught-up worker reads its change logs again (the batching window)
     * @param events       the accepted events to forward to conversions APIs, or null to forward none
     * @param reconcileInterval how often each synced segment's list is reconciled in full
     */
    public Activation(JdbcDestinations destinations, JdbcDeliveryRepository deliveries, Audiences audiences,
                      Transport transport, Clock clock, Duration pollInterval, Ownership ownership, EventSource events,
                      Duration reconcileInterval) {
        this.events = events;
        this.ownership = Objects.requireNonNull(ownership, "ownership");
        this.destinations = Objects.requireNonNull(destinations, "destinations");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.audiences = Objects.requireNonNull(audiences, "audiences");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sync = new ListSync(audiences, deliveries, Backoff.DEFAULT, clock, SyncWorker.DEFAULT_BATCH, reconcileInterval);
        this.engine = new DeliveryEngine(pollInterval, Backoff.DEFAULT);
    }

    /** With the default reconciliation interval ({@link Reconciler#DEFAULT_INTERVAL}). */
    public Activation(JdbcDestinations destinations, JdbcDeliveryRepository deliveries, Audiences audiences,
                      Transport transport, Clock clock, Duration pollInterval, Ownership ownership, EventSource events) {
        this(destinations, deliveries, audiences, transport, clock, pollInterval, ownership, events, Reconciler.DEFAULT_INTERVAL);
    }

    /**
     * Withholds from each destination the persons {@code withholding} names for its id (the campaigns'
     * holdouts): its list sync, reconciliation, membership events, a new audience's seed and dead-letter
     * retries all leave them out. Call before {@link #start()}.
     */
    public Activation withholding(Function<String, Withholding> withholding) {
        this.sync = sync.withWithholding(withholding);
        return this;
    }

    /** Re-encrypts credentials held under a rotated-out key, then starts a worker per destination. */
    public synchronized void start() {
        int rewritten = destinations.reencrypt();
        if (rewritten > 0) {
            LOG.info("re-encrypted the credentials of {} destination(s) under the active key", rewritten);
        }
        started = true;
        claim();
        claims.scheduleWithFixedDelay(this::claim, CLAIM_INTERVAL.toMillis(), CLAIM_INTERVAL.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** One claim round: this node's workers made to match the destinations table and the ownership. */
    synchronized void claim() {
        try {
            if (!ownership.healthy()) {
                LOG.warn("destination ownership lost (database connection); stopping {} worker(s) and claiming again",
                        running.size());
                List.copyOf(running.keySet()).forEach(this::halt);
                ownership.reset();
            }
            Map<String, JdbcDestinations.Record> all = new java.util.HashMap<>();
            destinations.all().forEach(r -> all.put(r.id(), r));
            for (String id : List.copyOf(running.keySet())) {
                JdbcDestinations.Record r = all.get(id);
                if (r == null) {
                    halt(id);
                    ownership.release(id);
                } else if (!r.updatedAt().equals(running.get(id))) {
                    halt(id);
                }
            }
            all.values().stream().filter(r -> !running.containsKey(r.id())).forEach(this::run);
        } catch (RuntimeException e) {
            LOG.warn("destination claim round failed: {}", e.getMessage());
        }
    }

    private synchronized void run(JdbcDestinations.Record r) {
        if (!started || running.containsKey(r.id()) || !ownership.acquire(r.id())) {
            return;
        }
        try {
            SyncWorker w = r.settings().sendsMembershipEvents()
                    ? sync.workerWithMembershipEvents(r.id(), destination(r, false))
                    : sync.worker(r.id(), destination(r, false));
            ForwardWorker f = null;
            if (events != null && r.settings().sendsEvents()) {
                f = new ForwardWorker(r.id(), r.storeId(), destination(r, false), events, deliveries,
                        Backoff.DEFAULT, clock, ForwardWorker.DEFAULT_BATCH);
                f.anchor(); // before any pass: events accepted from now on are all sent
            }
            workers.put(r.id(), w);
            running.put(r.id(), r.updatedAt());
            engine.start(w);
            if (f != null) {
                forwarders.put(r.id(), f);
                engine.start(f);
            }
        } catch (RuntimeException e) {
            LOG.warn("destination {} of store {} cannot start: {}", r.id(), r.storeId(), e.getMessage());
            ownership.release(r.id());
        }
    }

    /** Stops the destination's worker here (keeping the claim). */
    private synchronized void halt(String id) {
        engine.stop(id);
        running.remove(id);
        workers.remove(id);
        forwarders.remove(id);
    }

    /** The accounts paced on this node (tests, status). */
    Set<String> pacedAccounts() {
        return Set.copyOf(pacers.keySet());
    }

    /** Whether this node runs the destination's worker now. */
    public boolean runsHere(String destinationId) {
        return running.containsKey(destinationId);
    }

    private Destination destination(JdbcDestinations.Record r, boolean test) {
        RequestLog log = logs.computeIfAbsent(r.id(), k -> new RequestLog());
        return r.settings().build(r.mode(), r.apiBaseUrl(), test, paced(r.settings()), log, clock);
    }

    /** The transport, paced by the account's documented budget where the platform states one. */
    private Transport paced(DestinationSettings s) {
        DestinationSettings.RateBudget budget = s.rateBudget();
        if (budget == null) {
            return transport;
        }
        return pacers.computeIfAbsent(budget.key(), k -> new Pacer(budget.perMinute(), budget.burst())).pace(transport);
    }

    // ---- destinations ------------------------------------------------------------------------

    /** A store may connect no more destinations. */
    public static final class LimitReached extends RuntimeException {
        public LimitReached(String message) {
            super(message);
        }
    }

    public JdbcDestinations.Record connect(String storeId, String name, Mode mode, URI apiBaseUrl,
                                           DestinationSettings settings) {
        synchronized (this) {
            int n = destinations.count(storeId);
            if (n >= MAX_PER_STORE) {
                throw new LimitReached("store " + storeId + " has " + n + " destinations, the most allowed is " + MAX_PER_STORE);
            }
        }
        JdbcDestinations.Record r = destinations.create(storeId, name, mode, apiBaseUrl, settings);
        run(r);
        return r;
    }

    public List<JdbcDestinations.Record> list(String storeId) {
        return destinations.list(storeId);
    }

    public Optional<JdbcDestinations.Record> get(String storeId, String id) {
        return destinations.get(storeId, id);
    }

    /** Saves a changed destination and restarts its worker with the new settings. */
    public boolean update(JdbcDestinations.Record changed) {
        if (!destinations.update(changed)) {
            return false;
        }
        if (running.containsKey(changed.id())) {
            halt(changed.id());
            destinations.get(changed.storeId(), changed.id()).ifPresent(this::run);
        }
        return true;
    }

    /** Stops the destination's worker and removes it with its pairings; the platform's audiences are left as they are. */
    public boolean disconnect(String storeId, String id) {
        if (destinations.get(storeId, id).isEmpty()) {
            return false;
        }
        halt(id);
        ownership.release(id);
        logs.remove(id);
        return destinations.delete(storeId, id);
    }

    /** The last {@code limit} requests the destination built, newest first, credentials redacted. */
    public List<RecordedRequest> requests(String destinationId, int limit) {
        RequestLog log = logs.get(destinationId);
        if (log == null) {
            return List.of();
        }
        List<RecordedRequest> out = new ArrayList<>(log.last(limit));
        java.util.Collections.reverse(out);
        return out;
    }

    // ---- pairings ----------------------------------------------------------------------------

    /** The clock the workers count with (send rates are read against it). */
    public Clock clock() {
        return clock;
    }

    /** What pairing a segment with a destination did. */
    public sealed interface PairResult {
        /** Paired now ({@code created}: a platform audience was made; otherwise it was already paired or linked). */
        record Paired(Pairing pairing, boolean created, boolean existed, WebsiteAudience website) implements PairResult {
            public Paired(Pairing pairing, boolean created, boolean existed) {
                this(pairing, created, existed, null);
            }
        }

        /** The platform did not create the audience: its answer. */
        record Refused(Outcome outcome) implements PairResult {
        }
    }

    /** How long a visitor stays in a segment's Meta website Custom Audience after their last membership event. */
    public static final Duration WEBSITE_AUDIENCE_RETENTION = Duration.ofDays(30);

    /**
     * The website Custom Audience made with a segment's customer list on Meta (a destination with a pixel).
     *
     * @param id        its id ({@code dry-run} in dry-run), or null when Meta refused it
     * @param eventName the membership event its rule selects
     * @param error     Meta's refusal, or null
     */
    public record WebsiteAudience(String id, String eventName, String error) {
    }

    /**
     * Syncs a segment to a destination: links the platform audience {@code audienceId} when given, else
     * creates one named after the segment (TikTok and Pinterest create a list only from an upload: it is
     * seeded with up to {@value #MAX_SEED} of the segment's uploadable members). The whole change log is
     * then replayed into it from the start.
     */
    public PairResult pair(JdbcDestinations.Record d, SegmentRecord segment, String audienceId) {
        synchronized (this) {
            Optional<Pairing> existing = deliveries.pairings(d.id()).stream()
                    .filter(p -> p.storeId().equals(d.storeId()) && p.segmentId().equals(segment.id())).findFirst();
            if (existing.isPresent()) {
                return new PairResult.Paired(existing.get(), false, true);
            }
        }
        Destination dest = destination(d, false);
        AudienceRef audience;
        boolean created = audienceId == null;
        if (audienceId != null) {
            audience = dest.linkAudience(audienceId);
        } else {
            AudienceResult r = dest.createAudience(audienceName(segment), seed(d, segment));
            if (r.audience() == null || !(r.outcome() instanceof Outcome.Accepted || r.outcome() instanceof Outcome.Recorded)) {
                return new PairResult.Refused(r.outcome());
            }
            audience = r.audience();
        }
        WebsiteAudience website = null;
        if (created && dest instanceof MetaDestination meta && d.settings().settings().containsKey("pixel_id")) {
            String event = io.rebound.core.activation.Forwarding.membershipEventName(segment.definition().name());
            AudienceResult w = meta.createWebsiteAudience(audienceName(segment) + " (website)", event,
                    WEBSITE_AUDIENCE_RETENTION);
            website = new WebsiteAudience(w.audience() == null ? null : w.audience().id(), event,
                    w.audience() != null ? null : describe(w.outcome()));
        }
        synchronized (this) {
            Optional<Pairing> raced = deliveries.pairings(d.id()).stream()
                    .filter(p -> p.storeId().equals(d.storeId()) && p.segmentId().equals(segment.id())).findFirst();
            if (raced.isPresent()) {
                return new PairResult.Paired(raced.get(), false, true);
            }
            return new PairResult.Paired(deliveries.pair(d.storeId(), d.id(), segment.id(), audience), created, false, website);
        }
    }

    private static String describe(Outcome o) {
        return switch (o) {
            case Outcome.GiveUp g -> (g.code().isEmpty() ? "" : g.code() + ": ") + g.message();
            case Outcome.Retry r -> "retry later: " + r.reason();
            default -> o.toString();
        };
    }

    private static String audienceName(SegmentRecord s) {
        String name = "Rebound · " + s.definition().name();
        return name.length() > 100 ? name.substring(0, 100) : name;
    }

    private List<Member> seed(JdbcDestinations.Record d, SegmentRecord segment) {
        if (d.platform() != Platform.TIKTOK && d.platform() != Platform.PINTEREST) {
            return List.of();
        }
        Withholding.Rule withheld = sync.withholding().apply(d.id()).rule(segment.storeId(), segment.id());
        AudiencesMemberSource source = new AudiencesMemberSource(audiences);
        List<Member> seed = new ArrayList<>();
        String after = null;
        while (seed.size() < MAX_SEED) {
            List<AudienceReader.Member> page = audiences.reader().members(segment.storeId(), segment.id(), after, 500);
            if (page.isEmpty()) {
                break;
            }
            for (AudienceReader.Member m : page) {
                after = m.personId();
                if (withheld.withholds(m.personId())) {
                    continue;
                }
                Member member = source.member(segment.storeId(), m.personId());
                if (SyncWorker.uploadable(member.contact()) && seed.size() < MAX_SEED) {
                    seed.add(member);
                }
            }
        }
        return seed;
    }

    /** Stops syncing a segment to a destination (the platform audience is left as it is); false when not paired. */
    public boolean unpair(String storeId, String destinationId, String segmentId) {
        return deliveries.unpair(storeId, destinationId, segmentId);
    }

    public List<Pairing> pairings(String destinationId) {
        return deliveries.pairings(destinationId);
    }

    /** The pairings of a segment, across its store's destinations. */
    public List<Pairing> pairingsOf(String storeId, String segmentId) {
        List<Pairing> out = new ArrayList<>();
        for (JdbcDestinations.Record d : destinations.list(storeId)) {
            deliveries.pairings(d.id()).stream().filter(p -> p.segmentId().equals(segmentId)).forEach(out::add);
        }
        return out;
    }

    /** Changes after the pairing's cursor, counted up to {@value #PENDING_CAP}. */
    public int pending(Pairing p) {
        return audiences.reader().changes(p.storeId(), p.segmentId(), p.cursor(), PENDING_CAP).size();
    }

    /** The worker's counters, when one runs for the destination. */
    public Optional<SyncWorker.Stats> stats(String destinationId) {
        return Optional.ofNullable(workers.get(destinationId)).map(SyncWorker::stats);
    }

    /** The event forwarder's counters, when one runs for the destination. */
    public Optional<ForwardWorker.Stats> forwarding(String destinationId) {
        return Optional.ofNullable(forwarders.get(destinationId)).map(ForwardWorker::stats);
    }

    /** The destination's committed forwarding cursor (tests). */
    Optional<String> eventCursor(String destinationId) {
        return deliveries.eventCursor(destinationId);
    }

    /** Whether this runtime forwards store events to conversions APIs. */
    public boolean forwardsEvents() {
        return events != null;
    }

    /** The destination's dead letters with their ids, newest first. */
    public List<JdbcDeliveryRepository.Stored> storedDeadLetters(String destinationId, int limit) {
        return deliveries.storedDeadLetters(destinationId, limit);
    }

    /** One dead letter of the destination. */
    public Optional<JdbcDeliveryRepository.Stored> deadLetter(JdbcDestinations.Record d, long id) {
        return deliveries.deadLetter(d.storeId(), d.id(), id);
    }

    public List<DeadLetter> deadLetters(String destinationId, int limit) {
        return deliveries.deadLetters(destinationId, limit);
    }

    /** The pairing's last full reconciliation, if it had one. */
    public Optional<Reconciliation> reconciliation(Pairing p) {
        return deliveries.reconciliation(p);
    }

    /** A dead letter cannot be retried: why. */
    public static final class NotRetryable extends RuntimeException {
        public NotRetryable(String message) {
            super(message);
        }
    }

    /**
     * What retrying a dead letter did.
     *
     * @param sent    the persons sent again (additions: those still members and not withheld; removals: all)
     * @param skipped the persons not sent (no longer members, withheld, or nothing uploadable left)
     * @param report  the platform's answer; null when nothing was sent
     * @param cleared whether the letter is done and was removed
     */
    public record Retried(int sent, int skipped, SyncReport report, boolean cleared) {
    }

    /**
     * Sends a list dead letter's persons again: an addition for those who are still members of the segment
     * (with their identifiers now), a removal with the identifiers that were uploaded. When the platform
     * takes them, the letter goes. Forwarded events are not kept, so their letters cannot be retried.
     */
    public Retried retryDeadLetter(JdbcDestinations.Record d, long letterId) {
        JdbcDeliveryRepository.Stored stored = deliveries.deadLetter(d.storeId(), d.id(), letterId)
                .orElseThrow(() -> new NotRetryable("no dead letter " + letterId + " for this destination"));
        DeadLetter letter = stored.letter();
        if ("event".equals(letter.operation())) {
            throw new NotRetryable("forwarded events are not kept after they were given up, so this letter cannot be "
                    + "sent again; its events are listed for reference");
        }
        Pairing pairing = deliveries.pairings(d.id()).stream()
                .filter(p -> p.storeId().equals(d.storeId()) && p.segmentId().equals(letter.segmentId())).findFirst()
                .orElseThrow(() -> new NotRetryable("segment " + letter.segmentId() + " is no longer synced to this "
                        + "destination"));
        AudiencesMemberSource source = new AudiencesMemberSource(audiences);
        List<Member> members = new ArrayList<>();
        int skipped = 0;
        boolean add = "add".equals(letter.operation());
        Map<String, Contact> uploaded = add ? Map.of() : deliveries.uploaded(pairing, letter.personIds());
        Withholding.Rule withheld = sync.withholding().apply(d.id()).rule(d.storeId(), letter.segmentId());
        for (String person : letter.personIds()) {
            if (add && (withheld.withholds(person)
                    || !audiences.reader().isMember(d.storeId(), letter.segmentId(), person))) {
                skipped++;
                continue;
            }
            Member m = source.member(d.storeId(), person);
            if (!add && uploaded.containsKey(person)) {
                m = new Member(person, uploaded.get(person), m.consent());
            }
            if (!SyncWorker.uploadable(m.contact())) {
                skipped++;
                continue;
            }
            members.add(m);
        }
        if (members.isEmpty()) {
            deliveries.retried(pairing, letterId, Map.of(), Set.of());
            return new Retried(0, skipped, null, true);
        }
        Destination dest = destination(d, false);
        SyncReport report = add ? dest.addMembers(pairing.audience(), members) : dest.removeMembers(pairing.audience(), members);
        boolean applied = report.complete() && report.deliveries().stream().allMatch(x -> x.outcome().applied()
                && !(x.outcome() instanceof Outcome.Partial));
        if (applied) {
            Map<String, Contact> added = new java.util.LinkedHashMap<>();
            if (add) {
                members.forEach(m -> added.put(m.personId(), m.contact()));
            }
            deliveries.retried(pairing, letterId, added, add ? Set.of()
                    : Set.copyOf(members.stream().map(Member::personId).toList()));
        }
        return new Retried(members.size(), skipped, report, applied);
    }

    /** Members of a pairing's platform list as Rebound uploaded them. */
    public long uploaded(Pairing p) {
        return deliveries.uploadedCount(p);
    }

    // ---- test --------------------------------------------------------------------------------

    /** The test send could not be made with these settings: the setting it needs that is missing. */
    public static final class NotTestable extends DestinationSettings.InvalidSetting {
        public NotTestable(String field, String message) {
            super(field, message);
        }
    }

    /** A connection test's outcome and the request it made (null when it made none). */
    public record Tested(SyncReport report, RecordedRequest request) {
    }

    /**
     * Sends one sample event through the platform's validation path (Meta and TikTok: the test event
     * code; Pinterest: {@code ?test=true}; Google: {@code validateOnly}), or in dry-run builds and records
     * it. Nothing reaches the advertiser's reports. The answer names the test's own request, never one the
     * forwarder recorded meanwhile.
     *
     * @param testEventCode Meta's or TikTok's test event code, overriding the configured one (null: configured)
     */
    public Tested test(JdbcDestinations.Record d, String testEventCode) {
        DestinationSettings s = d.settings();
        Map<String, Object> patch = new java.util.HashMap<>();
        switch (d.platform()) {
            case META -> {
                requireSetting(s, "pixel_id", "Meta's test path sends a test event to the pixel: set config.pixel_id");
                testEventCode(s, testEventCode, patch, "Meta's test path needs the test event code Events Manager "
                        + "shows (Test events tab): give test_event_code");
            }
            case TIKTOK -> {
                requireSetting(s, "pixel_code", "TikTok's test path sends a test event to the pixel: set config.pixel_code");
                testEventCode(s, testEventCode, patch, "TikTok's test path needs the test event code Events Manager "
                        + "shows: give test_event_code");
            }
            case PINTEREST -> {
                if (!s.secrets().containsKey("conversion_token")) {
                    throw new NotTestable("config.conversion_token",
                            "Pinterest's test path (?test=true) is on the Conversions API: set config.conversion_token");
                }
            }
            case GOOGLE -> {
                if (!s.settings().containsKey("measurement_id")) {
                    requireSetting(s, "conversion_action_id", "Google's test path validates an event (validateOnly, or GA4's "
                            + "validation server): set config.conversion_action_id or config.measurement_id");
                }
            }
        }
        DestinationSettings tested = patch.isEmpty() ? s : s.with(patch);
        // Its own log, so that the request it answers with is the test's, not an event the forwarder
        // recorded meanwhile; then into the destination's log with the others.
        RequestLog own = new RequestLog();
        Destination dest = tested.build(d.mode(), d.apiBaseUrl(), true, paced(tested), own, clock);
        Instant now = clock.instant();
        ServerEvent sample = new ServerEvent("rebound-test-" + UUID.randomUUID(), EventType.PAGE_VIEW, null, now,
                "https://rebound.invalid/connection-test", null, "203.0.113.7",
                "Mozilla/5.0 (Rebound connection test)", Map.of(ClickIds.GA_CLIENT_ID, "1000000000." + now.getEpochSecond()),
                Contact.ofEmail("test@rebound.invalid"), BigDecimal.ZERO,
                "USD", List.of(), null, AdConsent.UNSTATED);
        SyncReport report;
        try {
            report = dest.sendEvents(List.of(sample), now);
        } finally {
            RequestLog shared = logs.computeIfAbsent(d.id(), k -> new RequestLog());
            own.last(RequestLog.DEFAULT_CAPACITY).forEach(shared::add);
        }
        List<RecordedRequest> made = own.last(1);
        return new Tested(report, made.isEmpty() ? null : made.getFirst());
    }

    /** The test sends with {@code given}, else with the configured test event code, which {@code missing} asks for. */
    private static void testEventCode(DestinationSettings s, String given, Map<String, Object> patch, String missing) {
        if (given != null) {
            patch.put("test_event_code", given);
        } else {
            requireSetting(s, "test_event_code", missing);
        }
    }

    private static void requireSetting(DestinationSettings s, String name, String message) {
        if (!s.settings().containsKey(name)) {
            throw new NotTestable("config." + name, message);
        }
    }

    @Override
    public void close() {
        claims.shutdownNow();
        engine.close();
        ownership.close();
    }
}
