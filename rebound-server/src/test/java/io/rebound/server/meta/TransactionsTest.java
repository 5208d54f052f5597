package io.rebound.server.meta;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

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
        return new DataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                Connection real = h2.getConnection();
                boolean[] committed = {false};
                ClassLoader loader = getClass().getClassLoader();
                return (Connection) Proxy.newProxyInstance(loader, new Class<?>[]{Connection.class},
                        (p, m, args) -> {
                            String name = m.getName();
                            if (name.equals("commit") && failing.contains("commit")) {
                                throw new SQLException("failing commit");
                            }
                            Object result;
                            try {
                                result = m.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
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
            }

            @Override
            public Connection getConnection(String user, String password) throws SQLException {
                return getConnection();
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {
            }

            @Override
            public void setLoginTimeout(int seconds) {
            }

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> type) throws SQLException {
                throw new SQLException("not a wrapper");
            }

            @Override
            public boolean isWrapperFor(Class<?> type) {
                return false;
            }
        };
    }
}
