package io.rebound.server.meta;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;

/** Work on one connection in one transaction: all of it is kept or none. */
public final class Transactions {
    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);

    private Transactions() {
    }

    /** The statements of one transaction. */
    @FunctionalInterface
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a connection of {@code ds}, rolled back when it throws; a
     * database failure is an {@link IllegalStateException} saying {@code what} failed. Once the commit
     * returned, the work is kept and this returns normally: a failure to hand the connection back (restoring
     * auto-commit, closing it) is logged, never thrown, or a caller would take kept work for lost and do
     * it again (write-behind counters, for one, would count twice).
     */
    public static void run(DataSource ds, Supplier<String> what, Work work) {
        boolean committed = false;
        Connection c = null;
        try {
            c = ds.getConnection();
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
                committed = true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            if (!committed) {
                throw new IllegalStateException(what.get() + ": " + e.getMessage(), e);
            }
            LOG.warn("{}: committed, then the connection failed: {}", what.get(), e.getMessage());
        } finally {
            close(c, committed, what);
        }
    }

    /** Not committed, an exception is already on its way out: a failure to close adds nothing to it. */
    private static void close(Connection c, boolean committed, Supplier<String> what) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.warn("{}: closing the connection failed ({}): {}", what.get(),
                    committed ? "the work was committed" : "the work was rolled back", e.getMessage());
        }
    }
}
