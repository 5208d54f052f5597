package io.rebound.server.audience;

import io.rebound.core.engine.TimerStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TimerStore} as a due-ordered queue ({@link AudienceColumns#TIMERS}, key = due millis first,
 * big-endian, so the first key is the next timer) plus a person → due index
 * ({@link AudienceColumns#TIMER_INDEX}) to replace a person's timer without scanning.
 */
final class RocksTimerStore implements TimerStore {
    private final UnitOfWork uow;

    RocksTimerStore(UnitOfWork uow) {
        this.uow = uow;
    }

    @Override
    public void set(String storeId, String personId, Instant due) {
        byte[] indexKey = AudienceKeys.person(storeId, personId);
        byte[] old = uow.get(AudienceColumns.TIMER_INDEX, indexKey);
        if (old != null) {
            long oldDue = AudienceKeys.i64(old);
            if (due != null && due.toEpochMilli() == oldDue) {
                return;
            }
            uow.delete(AudienceColumns.TIMERS, AudienceKeys.timer(oldDue, storeId, personId));
        }
        if (due == null) {
            if (old != null) {
                uow.delete(AudienceColumns.TIMER_INDEX, indexKey);
            }
            return;
        }
        uow.put(AudienceColumns.TIMERS, AudienceKeys.timer(due.toEpochMilli(), storeId, personId), new byte[0]);
        uow.put(AudienceColumns.TIMER_INDEX, indexKey, AudienceKeys.i64(due.toEpochMilli()));
    }

    @Override
    public List<Timer> dueBy(Instant now, int limit) {
        List<Timer> out = new ArrayList<>();
        long cutoff = now.toEpochMilli();
        uow.scan(AudienceColumns.TIMERS, null, null, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            long due = r.i64();
            if (due > cutoff) {
                return false;
            }
            out.add(new Timer(r.str(), r.str(), Instant.ofEpochMilli(due)));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public Instant nextDue() {
        Instant[] first = new Instant[1];
        uow.scan(AudienceColumns.TIMERS, null, null, (k, v) -> {
            first[0] = Instant.ofEpochMilli(new AudienceKeys.Reader(k).i64());
            return false;
        });
        return first[0];
    }
}
