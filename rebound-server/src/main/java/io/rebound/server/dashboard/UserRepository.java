package io.rebound.server.dashboard;

import io.rebound.server.meta.InvalidFieldException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Dashboard users and the stores each may see ({@code users}, {@code store_members}), over
 * plain JDBC, identical on H2 and PostgreSQL (insert-and-catch-duplicate rather than
 * {@code ON CONFLICT}, {@code getGeneratedKeys} rather than {@code RETURNING}).
 */
public record UserRepository(DataSource dataSource, PasswordHasher hasher, Clock clock) {
    /** A dashboard user; {@code passwordHash} is an Argon2id PHC string. */
    public record User(long id, String email, String passwordHash) {
    }

    private static final String UNIQUE_VIOLATION = "23505";
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}\\.[^@\\s]{1,60}");

    /** Lower-cased, trimmed email, or an {@link InvalidFieldException} naming {@code email}. */
    public static String normaliseEmail(String email) {
        String e = email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
        if (e.length() > 254 || !EMAIL.matcher(e).matches()) {
            throw new InvalidFieldException("email", "must be an email address like owner@example.com");
        }
        return e;
    }

    /** Creates a user; fails with {@code email} "is already registered" when the email exists. */
    public User create(String email, String password) {
        String e = normaliseEmail(email);
        String problem = PasswordHasher.problem(password);
        if (problem != null) {
            throw new InvalidFieldException("password", problem);
        }
        String hash = hasher.hash(password);
        String sql = "INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?)";
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql, new String[] {"id"})) {
            ps.setString(1, e);
            ps.setString(2, hash);
            ps.setObject(3, now());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return new User(keys.getLong(1), e, hash);
            }
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                throw new InvalidFieldException("email", "is already registered");
            }
            throw failure("create a user", ex);
        }
    }

    /**
     * The first account, made a member of {@code storeIds} (every store that exists already); empty
     * when an account exists by now. The claim is a row of its own in the database
     * ({@code dashboard_setup_claim}), so two set-up forms sent at once — on one node or on two nodes
     * of a cluster — cannot both become "the first"; a claim whose account could not be created is
     * released.
     */
    public synchronized Optional<User> createFirst(String email, String password, List<String> storeIds) {
        if (count() > 0 || !claimFirst(email)) {
            return Optional.empty();
        }
        User user;
        try {
            user = create(email, password);
        } catch (RuntimeException e) {
            releaseClaim();
            throw e;
        }
        storeIds.forEach(id -> addMember(user.id(), id));
        return Optional.of(user);
    }

    private boolean claimFirst(String email) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO dashboard_setup_claim (id, email, claimed_at) VALUES (1, ?, ?)")) {
            ps.setString(1, email.length() > 320 ? email.substring(0, 320) : email);
            ps.setObject(2, clock.instant().atOffset(java.time.ZoneOffset.UTC));
            ps.executeUpdate();
            return true;
        } catch (SQLException ex) {
            if (UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                return false;
            }
            throw failure("claim the first account", ex);
        }
    }

    private void releaseClaim() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM dashboard_setup_claim WHERE id = 1")) {
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw failure("release the first-account claim", ex);
        }
    }

    /**
     * The user with this email, created if absent; if it exists with another password, the
     * password is set to {@code password}, so that a login printed by {@code rebound demo} or
     * configured by {@code REBOUND_ADMIN_PASSWORD} always works. Idempotent.
     */
    public User ensure(String email, String password) {
        Optional<User> existing = byEmail(email);
        if (existing.isEmpty()) {
            try {
                return create(email, password);
            } catch (InvalidFieldException raced) {
                existing = byEmail(email);
                if (existing.isEmpty()) {
                    throw raced;
                }
            }
        }
        User user = existing.get();
        if (!hasher.verify(password, user.passwordHash())) {
            String problem = PasswordHasher.problem(password);
            if (problem != null) {
                throw new InvalidFieldException("password", problem);
            }
            String hash = hasher.hash(password);
            update("UPDATE users SET password_hash = ? WHERE id = ?", hash, user.id());
            return new User(user.id(), user.email(), hash);
        }
        return user;
    }

    public Optional<User> byEmail(String email) {
        String e;
        try {
            e = normaliseEmail(email);
        } catch (InvalidFieldException bad) {
            return Optional.empty();
        }
        return one("SELECT id, email, password_hash FROM users WHERE email = ?", e);
    }

    public Optional<User> byId(long id) {
        return one("SELECT id, email, password_hash FROM users WHERE id = ?", id);
    }

    /** Records a successful sign-in, replacing the hash if it was made with a lower cost. */
    public void signedIn(User user, String password) {
        update("UPDATE users SET last_login_at = ? WHERE id = ?", now(), user.id());
        if (hasher.needsRehash(user.passwordHash())) {
            update("UPDATE users SET password_hash = ? WHERE id = ?", hasher.hash(password), user.id());
        }
    }

    /** Gives {@code userId} access to {@code storeId}; doing it twice changes nothing. */
    public void addMember(long userId, String storeId) {
        String sql = "INSERT INTO store_members (user_id, store_id, role, created_at) VALUES (?, ?, 'owner', ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, userId);
            ps.setString(2, storeId);
            ps.setObject(3, now());
            ps.executeUpdate();
        } catch (SQLException ex) {
            if (!UNIQUE_VIOLATION.equals(ex.getSQLState())) {
                throw failure("add a store member", ex);
            }
        }
    }

    public boolean isMember(long userId, String storeId) {
        String sql = "SELECT 1 FROM store_members WHERE user_id = ? AND store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, userId);
            ps.setString(2, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException ex) {
            throw failure("check store membership", ex);
        }
    }

    /** The ids of the stores this user may see, oldest membership first. */
    public List<String> storeIds(long userId) {
        String sql = "SELECT store_id FROM store_members WHERE user_id = ? ORDER BY created_at, store_id";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        } catch (SQLException ex) {
            throw failure("list a user's stores", ex);
        }
    }

    public long count() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM users");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException ex) {
            throw failure("count users", ex);
        }
    }

    private Optional<User> one(String sql, Object param) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new User(rs.getLong(1), rs.getString(2), rs.getString(3)))
                        : Optional.empty();
            }
        } catch (SQLException ex) {
            throw failure("read users", ex);
        }
    }

    private void update(String sql, Object a, Object b) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, a);
            ps.setObject(2, b);
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw failure("update a user", ex);
        }
    }

    private OffsetDateTime now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("metadata database: cannot " + what + " (" + e.getSQLState() + ")", e);
    }
}
