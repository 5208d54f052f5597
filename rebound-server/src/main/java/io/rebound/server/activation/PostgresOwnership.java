package io.rebound.server.activation;

import io.rebound.core.binary.Hash64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One owner per destination across a cluster's nodes: a PostgreSQL session-level advisory lock per
 * destination, held on a connection of this node's own. A node that dies (even by kill -9) drops its
 * connection, PostgreSQL releases its locks, and the next claim round of another node takes the
 * destinations over, resuming from the cursors committed in the same database.
 */
public final class PostgresOwnership implements Ownership {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresOwnership.class);
    /** Namespaces Rebound's advisory locks (the first key of the two-int form). */
    private static final int LOCK_SPACE = 0x52424e44;

    private final DataSource ds;
    private final Set<String> held = new HashSet<>();
    private Connection connection;

    public PostgresOwnership(DataSource ds) {
        this.ds = Objects.requireNonNull(ds, "ds");
    }

    private static int key(String destinationId) {
        return (int) Hash64.fmix64(Hash64.fnv1aUtf16(destinationId));
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = ds.getConnection();
            connection.setAutoCommit(true);
        }
        return connection;
    }

    @Override
    public synchronized boolean acquire(String destinationId) {
        if (held.contains(destinationId)) {
            return true;
        }
        try (PreparedStatement ps = connection().prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            ps.setInt(1, LOCK_SPACE);
            ps.setInt(2, key(destinationId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    held.add(destinationId);
                    return true;
                }
                return false;
            }
        } catch (SQLException e) {
            LOG.warn("cannot claim destination {}: {}", destinationId, e.getMessage());
            return false;
        }
    }

    @Override
    public synchronized void release(String destinationId) {
        if (!held.remove(destinationId) || connection == null) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            ps.setInt(1, LOCK_SPACE);
            ps.setInt(2, key(destinationId));
            ps.executeQuery().close();
        } catch (SQLException e) {
            LOG.warn("cannot release destination {}: {}", destinationId, e.getMessage());
        }
    }

    @Override
    public synchronized boolean healthy() {
        try {
            return connection == null || connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public synchronized void reset() {
        held.clear();
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            // A pooled connection goes back to the pool, session and locks included: unlock first, or
            // no other node could claim until the pool retires it. A broken one fails here; the pool drops it.
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                connection.setNetworkTimeout(Runnable::run, 5_000); // a hung connection: give up, the pool drops it
                ps.executeQuery().close();
            } catch (SQLException e) {
                LOG.debug("unlocking on the ownership connection", e);
            }
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the ownership connection", e);
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        held.clear();
        closeConnection();
    }
}
