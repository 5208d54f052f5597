package io.rebound.testkit.memory;

import io.rebound.core.engine.TimerTable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** {@link TimerTable} as a due-ordered set plus a person index. */
public final class InMemoryTimerTable implements TimerTable {
    private final TreeSet<Timer> byDue = new TreeSet<>(Comparator.comparing(Timer::due)
            .thenComparing(Timer::storeId).thenComparing(Timer::personId));
    private final Map<String, Timer> byPerson = new HashMap<>();

    @Override
    public void set(String storeId, String personId, Instant due) {
        String key = storeId + '\0' + personId;
        Timer old = due == null ? byPerson.remove(key) : byPerson.put(key, new Timer(storeId, personId, due));
        if (old != null) {
            byDue.remove(old);
        }
        if (due != null) {
            byDue.add(new Timer(storeId, personId, due));
        }
    }

    @Override
    public List<Timer> dueBy(Instant now, int limit) {
        List<Timer> out = new ArrayList<>();
        for (Timer t : byDue) {
            if (t.due().isAfter(now) || out.size() == limit) {
                break;
            }
            out.add(t);
        }
        return out;
    }

    @Override
    public Instant nextDue() {
        return byDue.isEmpty() ? null : byDue.first().due();
    }
}
