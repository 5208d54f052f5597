package io.rebound.testkit;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.engine.MembershipChange;
import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentTemplates;
import io.rebound.core.segment.SegmentTemplates.Scope;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import static io.rebound.testkit.StreamGenerator.STORE;

/**
 * The randomised differential test, runnable against any runtime: a generated stream is fed to the
 * runtime in arrival order while, at many instants (random ones and exact window boundaries
 * {@code t + w - 1 ms}, {@code t + w}, {@code t + w + 1 ms}), the runtime's members are compared with
 * {@link ReferenceEvaluator} over the raw events received so far, persons being the connected
 * components of the ids events link. For in-order streams the change log must also equal the
 * reference's transitions (zero-length leave/rejoin pairs at one instant aside).
 */
public final class DifferentialScenario {

    private static final String LATE_SEGMENT = "created-mid-stream";
    private static final String LATE_DEFINITION = "{include:[{event:AddToCart,within_days:2,where:{category:[c0,c2]}}],"
            + "exclude:[{event:Purchase,within_days:2,since:last_include},{event:ViewContent,within_hours:3}]}";

    private final Supplier<? extends AudienceRuntime> factory;

    public DifferentialScenario(Supplier<? extends AudienceRuntime> factory) {
        this.factory = factory;
    }

    /** The segments every stream is checked against: templates and hand-written JSON. */
    public static Map<String, SegmentDefinition> segments() {
        Map<String, SegmentDefinition> s = new LinkedHashMap<>();
        s.put("viewers", SegmentTemplates.productViewers(3, Scope.STORE));
        s.put("p1-abandoners", SegmentTemplates.cartAbandoners(2, new Scope("p1", null)));
        s.put("buyers", SegmentTemplates.pastPurchasers(4, new Scope(null, "c2")));
        s.put("reminder", SegmentTemplates.abandonerReminder(Scope.STORE));
        s.put("offer", SegmentTemplates.abandonerOffer(Scope.STORE));
        s.put("repeat-viewers", parse("{include:[{event:view_item,within_hours:36,min_count:2,where:{category:c1}}],"
                + "exclude:[{event:'Order Completed',within_days:2,where:{value:{gte:50}}}]}"));
        s.put("any-intent", parse("{include:[{any:[{event:AddToCart,within_hours:20,where:{product_id:[p1,p2]}},"
                + "{event:Wishlisted,within_days:2}]}],exclude:[{event:Purchase,within_days:3,since:last_include}]}"));
        s.put("big-spenders", parse("{include:[{event:Purchase,within_days:5,sum_value_gte:150,where:{currency:usd}}]}"));
        s.put("red-viewers", parse("{include:[{event:ViewContent,within_hours:12,where:{color:red,size:{gt:3}}}],"
                + "exclude:[{event:InitiateCheckout,within_hours:6}]}"));
        s.put("p1-lookers", parse("{include:[{event:ViewContent,within_days:1,where:{product_id:{contains:P1}}}]}"));
        return s;
    }

    private static SegmentDefinition parse(String compact) {
        return MiniJson.segment("differential", compact);
    }

    /** Runs one stream; throws AssertionError naming the seed, instant, segment and difference. */
    public void run(long seed, boolean inOrder, boolean identities) {
        List<StreamGenerator.Arrival> arrivals = new StreamGenerator(seed, inOrder, identities).generate();
        Map<String, SegmentDefinition> segments = segments();
        AudienceRuntime runtime = factory.get();
        runtime.advanceTo(StreamGenerator.START.minus(Duration.ofDays(1)));
        segments.forEach((id, d) -> runtime.putSegment(STORE, id, d));
        TreeSet<Instant> checks = checkpoints(arrivals, segments, new Random(seed ^ 0x5eed));
        Instant end = checks.last().isAfter(arrivals.getLast().at()) ? checks.last() : arrivals.getLast().at();
        List<Event> received = new ArrayList<>();
        // One more segment is created mid-stream: it must be backfilled from what was received so far.
        Map<String, SegmentDefinition> all = new LinkedHashMap<>(segments);
        int createAt = new Random(seed).nextInt(checks.size());
        int next = 0;
        int index = 0;
        for (Instant t : checks) {
            while (next < arrivals.size() && !arrivals.get(next).at().isAfter(t)) {
                StreamGenerator.Arrival a = arrivals.get(next++);
                runtime.advanceTo(a.at());
                runtime.accept(a.event());
                received.add(a.event());
            }
            runtime.advanceTo(t);
            if (index++ == createAt) {
                all.put(LATE_SEGMENT, parse(LATE_DEFINITION));
                runtime.putSegment(STORE, LATE_SEGMENT, all.get(LATE_SEGMENT));
            }
            compare(runtime, all, received, t, "seed " + seed);
        }
        runtime.advanceTo(end);
        checkLogInvariants(runtime, all.keySet(), "seed " + seed);
        if (inOrder && !identities) {
            compareLogs(runtime, segments, received, end, "seed " + seed);
        }
        runtime.close();
    }

    private static TreeSet<Instant> checkpoints(List<StreamGenerator.Arrival> arrivals,
                                                Map<String, SegmentDefinition> segments, Random random) {
        TreeSet<Instant> checks = new TreeSet<>();
        Set<Duration> windows = new HashSet<>();
        segments.values().forEach(d -> d.include().forEach(c -> c.leaves().forEach(l -> windows.add(l.window().duration()))));
        segments.values().forEach(d -> d.exclude().forEach(c -> c.leaves().forEach(l -> windows.add(l.window().duration()))));
        for (int i = 0; i < 30; i++) {
            checks.add(StreamGenerator.START.plusMillis(random.nextLong(Duration.ofDays(36).toMillis())));
        }
        for (int i = 0; i < 10; i++) {
            Instant t = arrivals.get(random.nextInt(arrivals.size())).event().eventTime();
            checks.add(t.minusMillis(1));
            checks.add(t);
            for (Duration w : windows) {
                checks.add(t.plus(w).minusMillis(1));
                checks.add(t.plus(w));
                checks.add(t.plus(w).plusMillis(1));
            }
        }
        return checks;
    }

    private static void compare(AudienceRuntime runtime, Map<String, SegmentDefinition> segments, List<Event> received,
                                Instant t, String label) {
        List<List<Event>> persons = Persons.of(received);
        List<String> personIds = new ArrayList<>();
        for (List<Event> person : persons) {
            String id = Persons.runtimePerson(runtime, person, label);
            Check.that(!personIds.contains(id), label + ": two persons share runtime person " + id);
            personIds.add(id);
        }
        for (Map.Entry<String, SegmentDefinition> s : segments.entrySet()) {
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < persons.size(); i++) {
                if (ReferenceEvaluator.member(s.getValue(), Persons.distinct(persons.get(i)), t)) {
                    expected.add(personIds.get(i));
                }
            }
            Check.equal(expected, new TreeSet<>(runtime.members(STORE, s.getKey())),
                    label + ", segment " + s.getKey() + ", members at " + t);
        }
    }

    private static void compareLogs(AudienceRuntime runtime, Map<String, SegmentDefinition> segments,
                                    List<Event> received, Instant end, String label) {
        for (List<Event> person : Persons.of(received)) {
            String id = Persons.runtimePerson(runtime, person, label);
            List<Event> events = Persons.distinct(person);
            for (Map.Entry<String, SegmentDefinition> s : segments.entrySet()) {
                TreeSet<Instant> candidates = new TreeSet<>();
                for (Event e : events) {
                    candidates.add(e.eventTime());
                    s.getValue().include().forEach(c -> c.leaves().forEach(l -> candidates.add(e.eventTime().plus(l.window().duration()))));
                    s.getValue().exclude().forEach(c -> c.leaves().forEach(l -> candidates.add(e.eventTime().plus(l.window().duration()))));
                }
                List<String> expected = new ArrayList<>();
                boolean member = false;
                for (Instant c : candidates.headSet(end, true)) {
                    boolean m = ReferenceEvaluator.member(s.getValue(), events, c);
                    if (m != member) {
                        expected.add((m ? "JOINED@" : "LEFT@") + c);
                        member = m;
                    }
                }
                List<String> actual = withoutZeroLengthGaps(runtime.changes(STORE, s.getKey()).stream()
                        .filter(ch -> ch.personId().equals(id)).toList());
                Check.equal(expected, actual, label + ", change log of " + id + " in " + s.getKey());
            }
        }
    }

    /**
     * Whatever the arrival order: per person and segment the log alternates JOINED/LEFT starting with
     * JOINED, its instants never go backwards, and replaying it gives the current members.
     */
    private static void checkLogInvariants(AudienceRuntime runtime, Set<String> segments, String label) {
        for (String segment : segments) {
            Map<String, MembershipChange> last = new HashMap<>();
            for (MembershipChange c : runtime.changes(STORE, segment)) {
                MembershipChange before = last.put(c.personId(), c);
                String where = label + ", " + segment + ", " + c.personId() + " " + c.kind() + "@" + c.at();
                Check.that(before == null ? c.kind() == MembershipChange.Kind.JOINED : before.kind() != c.kind(),
                        where + ": joins and leaves must alternate, starting with a join");
                Check.that(before == null || !c.at().isBefore(before.at()), where + ": dated before the previous change");
                Check.that(!c.at().isAfter(runtime.now()), where + ": dated after the runtime's clock");
            }
            Set<String> replayed = new TreeSet<>();
            last.forEach((person, c) -> {
                if (c.kind() == MembershipChange.Kind.JOINED) {
                    replayed.add(person);
                }
            });
            Check.equal(replayed, new TreeSet<>(runtime.members(STORE, segment)), label + ", " + segment
                    + ": replaying the change log gives the members");
        }
    }

    /** Drops leave+rejoin (or join+leave) pairs at one instant: an event arriving as another ages out. */
    private static List<String> withoutZeroLengthGaps(List<MembershipChange> changes) {
        List<String> out = new ArrayList<>();
        List<Instant> at = new ArrayList<>();
        for (MembershipChange c : changes) {
            if (!at.isEmpty() && at.getLast().equals(c.at())) {
                out.removeLast();
                at.removeLast();
            } else {
                out.add(c.kind() + "@" + c.at());
                at.add(c.at());
            }
        }
        return out;
    }
}
