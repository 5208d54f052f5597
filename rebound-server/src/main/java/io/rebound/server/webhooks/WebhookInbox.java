package io.rebound.server.webhooks;

import io.rebound.server.concurrent.Threads;
import io.rebound.server.meta.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deliveries a node has received and not yet processed, kept in the metadata database
 * ({@code webhook_deliveries}, V17) so that a delivery answered 200 survives a crash or restart.
 *
 * <p>Appends are committed in groups by one writer thread: every delivery waiting when the writer
 * wakes goes into one transaction, which is what lets a platform's burst be acknowledged without one
 * commit per request. A delivery whose id is already stored (by this node or another sharing the
 * database) is a repeat: its future completes with {@code false} and nothing is written. The queue
 * in front of the writer is bounded ({@value #MAX_WAITING}); past it an append fails at once, and the
 * receiver answers 503 so the platform delivers again.
 *
 * <p>A group is answered only once it is on the device. PostgreSQL is durable at commit; H2 (the
 * embedded default) writes committed changes to its file up to a second later, so on H2 each group
 * commit is followed by {@code CHECKPOINT SYNC}, which writes them and forces them to the device:
 * the platform does not deliver a delivery again once it was answered 200 (WebhookDurabilityIT).
 *
 * <p>A processed delivery keeps its row, with the body emptied, until {@link #expire} deletes it:
 * that is how long its id drops repeats.
 */
public final class WebhookInbox implements AutoCloseable {
    static final int MAX_WAITING = 10_000;
    private static final int MAX_GROUP = 500;
    private static final String UNIQUE_VIOLATION = "23505";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookInbox.class);

    /**
     * A delivery as received.
     *
     * @param deliveryId the platform's delivery id, or one made up for a delivery that has none
     * @param shopDomain Shopify's {@code X-Shopify-Shop-Domain} (product links), else null
     */
    public record Delivery(String storeId, WebhookPlatform platform, String deliveryId, String topic,
                           String shopDomain, byte[] body, Instant receivedAt) {
    }

    /** A stored delivery waiting to be processed, in the order received. */
    public record Pending(long seq, Delivery delivery) {
    }

    private record Waiting(Delivery delivery, CompletableFuture<Boolean> done) {
    }

    private final DataSource dataSource;
    /** Null until the writer first asks the database what it is. */
    private Boolean h2;
    private final BlockingQueue<Waiting> waiting = new ArrayBlockingQueue<>(MAX_WAITING);
    private final Thread writer;
    private volatile boolean closed;

    public WebhookInbox(DataSource dataSource) {
        this.dataSource = dataSource;
        this.writer = Thread.ofPlatform().daemon().name("rebound-webhook-inbox").start(this::write);
    }

    /**
     * Stores {@code delivery}; completes with true once committed, false when its id was stored
     * before (a repeat), exceptionally when the database or the queue cannot take it.
     */
    public CompletableFuture<Boolean> append(Delivery delivery) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        if (closed || !waiting.offer(new Waiting(delivery, done))) {
            done.completeExceptionally(new IllegalStateException(closed ? "the webhook inbox is closed"
                    : "the webhook inbox has " + MAX_WAITING + " deliveries waiting to be written"));
        }
        return done;
    }

    /** Up to {@code limit} deliveries not processed yet, oldest first. */
    public List<Pending> pending(int limit) {
        List<Pending> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT seq, store_id, platform, delivery_id, topic, "
                     + "shop_domain, body, received_at FROM webhook_deliveries WHERE processed_at IS NULL "
                     + "ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WebhookPlatform platform = WebhookPlatform.byId(rs.getString(3)).orElseThrow();
                    out.add(new Pending(rs.getLong(1), new Delivery(rs.getString(2), platform, rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getBytes(7),
                            rs.getObject(8, OffsetDateTime.class).toInstant())));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("read pending webhook deliveries: " + e.getMessage(), e);
        }
        return out;
    }

    /** What became of a processed delivery. */
    public record Finished(long seq, String outcome, String detail) {
    }

    /** Marks deliveries processed, in one transaction, and empties their bodies. */
    public void finish(List<Finished> done, Instant now) {
        if (done.isEmpty()) {
            return;
        }
        Transactions.run(dataSource, () -> "mark webhook deliveries processed", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_deliveries SET processed_at = ?, "
                    + "outcome = ?, detail = ?, body = ? WHERE seq = ?")) {
                for (Finished f : done) {
                    ps.setObject(1, now.atOffset(ZoneOffset.UTC));
                    ps.setString(2, f.outcome());
                    ps.setString(3, f.detail() == null ? null : clip(f.detail(), 1000));
                    ps.setBytes(4, new byte[0]);
                    ps.setLong(5, f.seq());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    /** Deletes processed deliveries received before {@code before}; their ids no longer drop repeats. */
    public int expire(Instant before) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_deliveries WHERE processed_at IS NOT NULL "
                     + "AND received_at < ?")) {
            ps.setObject(1, before.atOffset(ZoneOffset.UTC));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("expire webhook deliveries: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        writer.interrupt();
        Threads.join(writer, Duration.ofSeconds(5));
        failAll(new ArrayList<>(waiting), new IllegalStateException("the webhook inbox is closed"));
    }

    private void write() {
        List<Waiting> group = new ArrayList<>();
        while (!closed) {
            try {
                Waiting first = waiting.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                waiting.drainTo(group, MAX_GROUP - 1);
                List<Boolean> stored = store(group);
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).done().complete(stored.get(i));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.warn("webhook deliveries were not stored: {}", e.getMessage());
                failAll(group, e);
            }
            group.clear();
        }
    }

    /** One transaction for the group; a unique violation (another node stored an id meanwhile) is retried once. */
    private List<Boolean> store(List<Waiting> group) {
        try {
            return insert(group);
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                return insert(group);
            }
            throw e;
        }
    }

    private List<Boolean> insert(List<Waiting> group) {
        List<Boolean> stored = new ArrayList<>(group.size());
        Transactions.run(dataSource, () -> "store webhook deliveries", c -> {
            stored.clear();
            Set<String> inGroup = new HashSet<>();
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM webhook_deliveries WHERE store_id = ? "
                    + "AND platform = ? AND delivery_id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO webhook_deliveries (store_id, platform, "
                         + "delivery_id, topic, shop_domain, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (Waiting w : group) {
                    Delivery d = w.delivery();
                    boolean isNew = inGroup.add(d.storeId() + '\u0000' + d.platform().id() + '\u0000' + d.deliveryId())
                            && !exists(exists, d);
                    stored.add(isNew);
                    if (isNew) {
                        insert.setString(1, d.storeId());
                        insert.setString(2, d.platform().id());
                        insert.setString(3, d.deliveryId());
                        insert.setString(4, d.topic());
                        insert.setString(5, d.shopDomain());
                        insert.setBytes(6, d.body());
                        insert.setObject(7, d.receivedAt().atOffset(ZoneOffset.UTC));
                        insert.addBatch();
                    }
                }
                insert.executeBatch();
            }
        });
        if (stored.contains(true) && isH2()) {
            Transactions.run(dataSource, () -> "write webhook deliveries to the device", c -> {
                try (var st = c.createStatement()) {
                    st.execute("CHECKPOINT SYNC");
                }
            });
        }
        return stored;
    }

    private boolean isH2() {
        if (h2 == null) {
            try (Connection c = dataSource.getConnection()) {
                h2 = "H2".equals(c.getMetaData().getDatabaseProductName());
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the metadata database's product name", e);
            }
        }
        return h2;
    }

    private static boolean exists(PreparedStatement ps, Delivery d) throws SQLException {
        ps.setString(1, d.storeId());
        ps.setString(2, d.platform().id());
        ps.setString(3, d.deliveryId());
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private static void failAll(List<Waiting> group, Throwable cause) {
        for (Waiting w : group) {
            w.done().completeExceptionally(cause);
        }
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }
}
