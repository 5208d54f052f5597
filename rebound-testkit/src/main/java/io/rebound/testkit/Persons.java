package io.rebound.testkit;

import io.rebound.core.engine.AudienceRuntime;
import io.rebound.core.event.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Naive identity for the reference: persons are the connected components of the ids events carry. */
final class Persons {

    private Persons() {
    }

    private static List<String> ids(Event e) {
        List<String> ids = new ArrayList<>();
        if (e.anonymousId() != null) {
            ids.add("a:" + e.anonymousId());
        }
        if (e.userId() != null) {
            ids.add("u:" + e.userId());
        }
        if (e.emailHash() != null) {
            ids.add("e:" + e.emailHash());
        }
        return ids;
    }

    /** Each person's events, in the order received. */
    static List<List<Event>> of(List<Event> received) {
        Map<String, String> parent = new HashMap<>();
        for (Event e : received) {
            List<String> ids = ids(e);
            for (String id : ids) {
                parent.putIfAbsent(id, id);
                union(parent, ids.getFirst(), id);
            }
        }
        Map<String, List<Event>> byRoot = new LinkedHashMap<>();
        for (Event e : received) {
            byRoot.computeIfAbsent(find(parent, ids(e).getFirst()), k -> new ArrayList<>()).add(e);
        }
        return new ArrayList<>(byRoot.values());
    }

    private static String find(Map<String, String> parent, String id) {
        String p = parent.get(id);
        return p.equals(id) ? id : find(parent, p);
    }

    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        if (!ra.equals(rb)) {
            parent.put(rb, ra);
        }
    }

    /** The events without repeats of an event id (the first one received counts). */
    static List<Event> distinct(List<Event> events) {
        Set<String> seen = new HashSet<>();
        return events.stream().filter(e -> seen.add(e.eventId())).toList();
    }

    /** The runtime's person for this component; every id of the component must resolve to it. */
    static String runtimePerson(AudienceRuntime runtime, List<Event> person, String label) {
        String found = null;
        for (Event e : person) {
            for (String visitor : new String[] {e.anonymousId(), e.userId()}) {
                if (visitor == null) {
                    continue;
                }
                String p = runtime.personOf(e.storeId(), visitor)
                        .orElseThrow(() -> new AssertionError(label + ": no person for " + visitor));
                Check.that(found == null || found.equals(p), label + ": ids of one person resolve to " + found
                        + " and " + p);
                found = p;
            }
        }
        return found;
    }
}
