package io.rebound.server.meta;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real H2 database; the connection handed out fails where a dying pool or network would. */
class TransactionsTest {
    private JdbcDataSource h2;

    @BeforeEach
    void open() throws SQLException {
        h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (Connection c = h2.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE counts (n INT)");
        }
    }

    @Test
    void workCommittedIsKeptAndReportedKeptWhenHandingTheConnectionBackFails() throws SQLException {
        DataSource failing = failingAfterCommit(Set.of("setAutoCommit", "close"));
        Transactions.run(failing, () -> "count", c -> insert(c, 1)); // returns: the work is kept
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void workThatFailsIsRolledBackAndReported() throws SQLException {
        DataSource failing = failingAfterCommit(Set.of("close"));
        assertThatThrownBy(() -> Transactions.run(failing, () -> "count", c -> {
            insert(c, 1);
            insert(c, -1);
        })).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("count: ");
        assertThat(rows()).isZero();
    }

    @Test
    void aCommitThatFailsIsReported() throws SQLException {
        DataSource failing = failingAfterCommit(Set.of("commit"));
        assertThatThrownBy(() -> Transactions.run(failing, () -> "count", c -> insert(c, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failing commit");
        assertThat(rows()).isZero();
    }

    private static void insert(Connection c, int n) throws SQLException {
        if (n < 0) {
            throw new SQLException("a negative count");
        }
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO counts VALUES (" + n + ")");
        }
    }

    private int rows() throws SQLException {
        try (Connection c = h2.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM counts")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * H2's connections, where {@code failing} methods throw: {@code setAutoCommit} once the transaction
     * committed and {@code close} (each after doing its work), {@code commit} instead of committing.
     */
    private DataSource failingAfterCommit(Set<String> failing) {
        ClassLoader loader = getClass().getClassLoader();
        return (DataSource) Proxy.newProxyInstance(loader, new Class<?>[]{DataSource.class}, (ds, call, callArgs) -> {
            if (!call.getName().equals("getConnection")) {
                return invoke(h2, call, callArgs);
            }
            Connection real = h2.getConnection();
            boolean[] committed = {false};
            return Proxy.newProxyInstance(loader, new Class<?>[]{Connection.class}, (p, m, args) -> {
                String name = m.getName();
                if (name.equals("commit") && failing.contains("commit")) {
                    throw new SQLException("failing commit");
                }
                Object result = invoke(real, m, args);
                if (name.equals("commit")) {
                    committed[0] = true;
                }
                boolean fails = switch (name) {
                    case "setAutoCommit" -> committed[0];
                    case "close" -> true;
                    default -> false;
                };
                if (fails && failing.contains(name)) {
                    throw new SQLException("failing " + name);
                }
                return result;
            });
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
