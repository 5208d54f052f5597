package io.rebound.server.wiring;

import io.rebound.server.activation.PostgresOwnership;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two "nodes" (two {@link OwnedJobs}, each with its own {@link PostgresOwnership}) on a real PostgreSQL:
 * one runs the pass at a time; closing the owner lets its pass finish, then the other takes over at
 * its next claim round; a node whose database connection is cut stops, and one node runs the pass.
 */
class OwnedJobsPostgresIT {
    private static final Duration ROUND = Duration.ofMillis(200);
    private PostgresTestDatabase pg;
    private Database db;

    @BeforeEach
    void open() {
        pg = PostgresTestDatabase.create();
        db = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
    }

    @AfterEach
    void drop() {
        db.close();
        pg.drop();
    }

    /** A node running the pass "p": counts its passes, and notes when two passes ever overlapped. */
    private final class Node {
        final OwnedJobs jobs = new OwnedJobs(new PostgresOwnership(db.dataSource()), ROUND);
        final AtomicInteger passes = new AtomicInteger();

        Node(AtomicInteger inPass, AtomicBoolean overlapped) {
            jobs.every("p", Duration.ofMillis(20), () -> {
                if (inPass.incrementAndGet() > 1) {
                    overlapped.set(true);
                }
                try {
                    Thread.sleep(50);
                    return passes.incrementAndGet();
                } finally {
                    inPass.decrementAndGet();
                }
            });
            jobs.start();
        }
    }

    @Test
    void oneNodeRunsThePassAndTheOtherTakesOverWhenItCloses() throws Exception {
        AtomicInteger inPass = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        Node a = new Node(inPass, overlapped);
        Node b = new Node(inPass, overlapped);
        try {
            await(() -> a.jobs.runsHere("p") || b.jobs.runsHere("p"));
            Thread.sleep(1_000); // several claim rounds of each
            Node owner = a.jobs.runsHere("p") ? a : b;
            Node other = owner == a ? b : a;
            assertThat(other.jobs.runsHere("p")).isFalse();
            assertThat(owner.passes.get()).isGreaterThan(5);
            assertThat(other.passes.get()).as("the other node ran no pass").isZero();

            owner.jobs.close();
            int ran = owner.passes.get();
            long closed = System.nanoTime();
            await(() -> other.jobs.runsHere("p"));
            assertThat(Duration.ofNanos(System.nanoTime() - closed)).as("within a claim round or two")
                    .isLessThan(ROUND.multipliedBy(2).plusMillis(500));
            await(() -> other.passes.get() > 5);
            assertThat(owner.passes.get()).as("nothing runs on a closed node").isEqualTo(ran);
            assertThat(overlapped).as("never two passes at once").isFalse();
        } finally {
            a.jobs.close();
            b.jobs.close();
        }
    }

    @Test
    void aNodeWhoseConnectionIsCutStopsAndOneNodeRunsThePass() throws Exception {
        AtomicInteger inPass = new AtomicInteger();
        Node a = new Node(inPass, new AtomicBoolean());
        Node b = new Node(inPass, new AtomicBoolean());
        try {
            await(() -> a.jobs.runsHere("p") || b.jobs.runsHere("p"));
            Node owner = a.jobs.runsHere("p") ? a : b;
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                        + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").close();
            }
            // The owner learns at its next round that its claim may be gone, and claims again.
            await(() -> !owner.jobs.runsHere("p") || lockHolders() == 1);
            Thread.sleep(ROUND.multipliedBy(3).toMillis());
            assertThat(lockHolders()).isEqualTo(1);
            assertThat(a.jobs.runsHere("p") ^ b.jobs.runsHere("p")).as("exactly one node runs the pass").isTrue();
            Node now = a.jobs.runsHere("p") ? a : b;
            Node idle = now == a ? b : a;
            int idlePasses = idle.passes.get();
            int before = now.passes.get();
            Thread.sleep(500);
            assertThat(idle.passes.get()).as("the other node runs nothing").isEqualTo(idlePasses);
            assertThat(now.passes.get()).isGreaterThan(before);
        } finally {
            a.jobs.close();
            b.jobs.close();
        }
    }

    private int lockHolders() {
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            rs.next();
            return rs.getInt(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }
}
