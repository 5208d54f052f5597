package io.rebound.server.cluster;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A PostgreSQL data source whose process "dies" at the n-th database operation (a statement's
 * execution or a commit) that names a target (a table, or {@code "commit"}; a commit may be required
 * to follow a write of a given table in its transaction): the connection's socket is closed — PostgreSQL rolls back whatever the
 * transaction had not committed — and from then on every call fails, as if the process were gone.
 * {@link Moment#BEFORE} dies before the operation reaches the server, {@link Moment#AFTER} once it
 * took effect there but before its caller heard back (after a commit: the transaction is durable).
 * One physical connection per {@link #getConnection}, no pool: closing it is what a crash does.
 */
final class CrashingDataSource implements DataSource {

    enum Moment { BEFORE, AFTER }

    private static final Set<String> OPERATIONS = Set.of("execute", "executeQuery", "executeUpdate",
            "executeLargeUpdate", "executeBatch", "executeLargeBatch", "commit");

    private final String url;
    private final String user;
    private final String target;
    private final int occurrence;
    private final String afterWriting;
    private final Moment moment;
    private int operations;
    private volatile String crashedAt;

    /**
     * Dies at the {@code occurrence}-th operation whose SQL contains {@code target} ("commit" for a
     * commit), counting only commits of transactions that wrote {@code afterWriting} if it is not null.
     */
    CrashingDataSource(String url, String user, String target, int occurrence, String afterWriting, Moment moment) {
        this.url = url;
        this.user = user;
        this.target = target;
        this.occurrence = occurrence;
        this.afterWriting = afterWriting;
        this.moment = moment;
    }

    /** What the process was doing when it died ("commit" or a statement's SQL), or null while it lives. */
    String crashedAt() {
        return crashedAt;
    }

    @Override
    public synchronized Connection getConnection() throws SQLException {
        alive();
        Connection physical = DriverManager.getConnection(url, user, null);
        boolean[] wrote = {afterWriting == null};
        return proxy(Connection.class, (p, m, args) -> {
            boolean commit = m.getName().equals("commit") || m.getName().equals("rollback");
            Object result = operation(physical, wrote[0] ? "commit" : "commit (not counted)", physical, m, args);
            if (commit) {
                wrote[0] = afterWriting == null;
            }
            if (result instanceof PreparedStatement ps) {
                String sql = (String) args[0];
                if (afterWriting != null && sql.contains(afterWriting)) {
                    return proxy(PreparedStatement.class, (p2, m2, args2) -> {
                        Object r = operation(physical, sql, ps, m2, args2);
                        wrote[0] |= OPERATIONS.contains(m2.getName());
                        return r;
                    });
                }
                return proxy(PreparedStatement.class, (p2, m2, args2) -> operation(physical, sql, ps, m2, args2));
            }
            if (result instanceof Statement) {
                throw new UnsupportedOperationException("the sink prepares its statements");
            }
            return result;
        });
    }

    private synchronized Object operation(Connection physical, String what, Object on, Method m, Object[] args)
            throws Throwable {
        if (m.getName().equals("close") && crashedAt != null) {
            return null; // closing what a dead process held is a no-op
        }
        alive();
        boolean counted = OPERATIONS.contains(m.getName()) && (on != physical || m.getName().equals("commit"));
        boolean dies = counted && what.contains(target) && !what.endsWith("(not counted)") && ++operations == occurrence;
        if (dies && moment == Moment.BEFORE) {
            die(physical, what);
        }
        Object result;
        try {
            result = m.invoke(on, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (dies) {
            die(physical, what);
        }
        return result;
    }

    private void die(Connection physical, String what) throws SQLException {
        crashedAt = what;
        physical.abort(Runnable::run);
        throw new SQLException("crashed " + moment.name().toLowerCase(java.util.Locale.ROOT) + " " + what);
    }

    private void alive() throws SQLException {
        if (crashedAt != null) {
            throw new SQLException("this process crashed");
        }
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(CrashingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
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
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
