package io.rebound.server.dashboard;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The setup checklist: when the first PageView, ViewContent, AddToCart, InitiateCheckout and
 * Purchase of each store arrived. Fed by the indexer listener; each (store, type) is written to
 * {@code store_first_events} once, and a set in memory makes every later event of that type a
 * hash lookup, so the listener costs nothing once a store is set up.
 */
public final class SetupProgress {
    /** The checklist's steps, in funnel order. */
    public static final List<EventType> STEPS = List.of(EventType.PAGE_VIEW, EventType.VIEW_CONTENT,
            EventType.ADD_TO_CART, EventType.INITIATE_CHECKOUT, EventType.PURCHASE);

    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    public SetupProgress(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records {@code e} if it is the first of its type for its store. */
    public void record(Event e) {
        if (!STEPS.contains(e.type())) {
            return;
        }
        String key = e.storeId() + '\u0000' + e.type().name();
        if (known.contains(key)) {
            return;
        }
        String sql = "INSERT INTO store_first_events (store_id, event_type, event_id, received_at) VALUES (?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, e.storeId());
            ps.setString(2, e.type().canonicalName());
            ps.setString(3, e.eventId().length() > 200 ? e.eventId().substring(0, 200) : e.eventId());
            ps.setObject(4, e.receivedAt().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        } catch (SQLException ex) {
            if (!UNIQUE_VIOLATION.equals(ex.getSQLState()) && !"23506".equals(ex.getSQLState())
                    && !"23503".equals(ex.getSQLState())) {
                throw new IllegalStateException("metadata database: cannot record a first event ("
                        + ex.getSQLState() + ")", ex);
            }
            // 23505: recorded before (another node, or before a restart). 23503/23506: the store
            // is gone; there is nothing to check off.
        }
        known.add(key);
    }

    /** First arrival per checklist step for {@code storeId}; steps not yet seen are absent. */
    public Map<EventType, Instant> firsts(String storeId) {
        Map<EventType, Instant> out = new EnumMap<>(EventType.class);
        String sql = "SELECT event_type, received_at FROM store_first_events WHERE store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    for (EventType t : STEPS) {
                        if (t.canonicalName().equals(name)) {
                            out.put(t, rs.getObject(2, OffsetDateTime.class).toInstant());
                            known.add(storeId + '\u0000' + t.name());
                        }
                    }
                }
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("metadata database: cannot read the setup checklist ("
                    + ex.getSQLState() + ")", ex);
        }
        return out;
    }
}
