package io.rebound.server.meta;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.rebound.core.store.Store;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link StoreRepository} over plain JDBC, identical on H2 and PostgreSQL.
 *
 * <p>Write-key lookups (the collector's hot path) are answered from a Caffeine cache: a hit
 * never touches the database; a miss reads it, so a store created by another node sharing the
 * same PostgreSQL is found. Found stores are refreshed in the background 30 s after they were
 * loaded (so a settings change made on another node arrives within about that), and local
 * updates replace the cached entry at once. Unknown write keys are remembered for 2 s, which
 * absorbs a misconfigured page hammering a deleted key without hiding a new store for long; at
 * most {@value #MAX_UNKNOWN_KEYS} of them, and they never push a known store out (random keys
 * from the internet would otherwise turn every lookup into a database read).
 *
 * <p>A miss is read on a small pool of its own ({@value #LOOKUP_THREADS} threads, a bounded
 * queue), never on the caller's thread when asked through {@link #lookupWriteKey}: the collector's
 * event loops must not wait for JDBC. When the queue is full the lookup fails at once.
 *
 * <p>Secret-key lookups are never cached: a rotated secret must stop working on every node
 * at once. They hash the presented key and read by the unique index on the hash.
 *
 * <p>Database failures surface as {@link IllegalStateException}; bad input as
 * {@link InvalidFieldException}; an unknown store id as {@link StoreNotFoundException}.
 */
public final class JdbcStoreRepository implements StoreRepository {
    public static final int MAX_NAME_LENGTH = 100;

    private static final Duration FOUND_TTL = Duration.ofMinutes(10);
    private static final Duration NOT_FOUND_TTL = Duration.ofSeconds(2);
    private static final Duration REFRESH_AFTER = Duration.ofSeconds(30);
    static final int MAX_UNKNOWN_KEYS = 10_000;
    private static final int LOOKUP_THREADS = 2;
    private static final int LOOKUP_QUEUE = 1_000;
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = "id, name, write_key, consent_required, retention_days, created_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final AsyncLoadingCache<String, Optional<Store>> byWriteKey;
    /**
     * Stores by secret-key hash, where this process is the database's only writer (else null); only
     * keys that name a store are kept, so no one fills memory by guessing.
     */
    private final OwnedRowsCache<String, Store> bySecretHash;

    public JdbcStoreRepository(Database database) {
        this(database.dataSource(), Clock.systemUTC());
    }

    public JdbcStoreRepository(DataSource dataSource, Clock clock) {
        this(dataSource, clock, MAX_UNKNOWN_KEYS);
    }

    JdbcStoreRepository(DataSource dataSource, Clock clock, long maxUnknownKeys) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.bySecretHash = OwnedRowsCache.of(dataSource, "stores by secret key", 100_000);
        ThreadPoolExecutor lookups = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(LOOKUP_QUEUE), r -> {
                    Thread t = new Thread(r, "rebound-store-lookup");
                    t.setDaemon(true);
                    return t;
                });
        lookups.allowCoreThreadTimeOut(true);
        this.byWriteKey = Caffeine.newBuilder()
                // Known stores weigh nothing (there are as many as the database holds); unknown keys one each.
                .maximumWeight(maxUnknownKeys)
                .weigher((String key, Optional<Store> store) -> store.isPresent() ? 0 : 1)
                .expireAfter(Expiry.writing((String key, Optional<Store> store) ->
                        store.isPresent() ? FOUND_TTL : NOT_FOUND_TTL))
                .refreshAfterWrite(REFRESH_AFTER)
                .executor(lookups)
                .buildAsync(this::loadByWriteKey);
    }

    @Override
    public Created create(String name, boolean consentRequired) {
        String cleanName = validName(name);
        // 95 bits of id and 143 of write key make a collision practically impossible;
        // retrying on one costs nothing and keeps the unique index the single source of truth.
        for (int attempt = 0; ; attempt++) {
            String secretKey = StoreKeys.newSecretKey();
            Store store = newStore(StoreKeys.newStoreId(), cleanName, StoreKeys.newWriteKey(), consentRequired);
            try {
                insert(store, StoreKeys.hash(secretKey));
                return new Created(store, secretKey);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt >= 2) {
                    throw failure("create store", e);
                }
            }
        }
    }

    /**
     * Creates a store with exactly these keys, unless a store with this write key exists already;
     * meant for the demo, whose keys are fixed. Idempotent: an existing store is returned with
     * its name and settings unchanged, but if its secret key was rotated since, the secret is
     * set back to {@code secretKey}, so that the keys the caller prints always work.
     *
     * <p>{@code writeKey} must be {@code wk_} plus 8..61 of {@code [A-Za-z0-9_-]};
     * {@code secretKey} must be {@code sk_} plus 24..125 of the same.
     */
    public Created createWithKeys(String name, boolean consentRequired, String writeKey, String secretKey) {
        String cleanName = validName(name);
        requireKey("write_key", writeKey, StoreKeys.WRITE_KEY_PREFIX, 8, 61);
        requireKey("secret_key", secretKey, StoreKeys.SECRET_KEY_PREFIX, 24, 125);
        String hash = StoreKeys.hash(secretKey);
        Optional<Store> existing = loadByWriteKey(writeKey);
        if (existing.isEmpty()) {
            Store store = newStore(StoreKeys.newStoreId(), cleanName, writeKey, consentRequired);
            try {
                insert(store, hash);
                byWriteKey.synchronous().invalidate(writeKey);
                return new Created(store, secretKey);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw failure("create store", e);
                }
                // Another process created it between our read and our insert: use theirs.
                existing = loadByWriteKey(writeKey);
                if (existing.isEmpty()) {
                    throw new InvalidFieldException("secret_key", "is already used by another store");
                }
            }
        }
        Store store = existing.get();
        if (!hashMatches(store.id(), hash)) {
            setSecretHash(store.id(), hash);
        }
        byWriteKey.synchronous().invalidate(writeKey);
        return new Created(store, secretKey);
    }

    @Override
    public Optional<Store> byId(String storeId) {
        if (!StoreKeys.wellFormed(storeId)) {
            return Optional.empty();
        }
        return queryOne("SELECT " + COLUMNS + " FROM stores WHERE id = ?", storeId);
    }

    @Override
    public Optional<Store> byWriteKey(String writeKey) {
        if (!StoreKeys.wellFormed(writeKey)) {
            return Optional.empty();
        }
        try {
            return lookupWriteKey(writeKey).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public CompletionStage<Optional<Store>> lookupWriteKey(String writeKey) {
        if (!StoreKeys.wellFormed(writeKey)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        try {
            return byWriteKey.get(writeKey);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("too many store lookups waiting", e));
        }
    }

    /** Write keys held in memory, known and unknown (for tests of the bound). */
    long cachedWriteKeys() {
        byWriteKey.synchronous().cleanUp();
        return byWriteKey.synchronous().estimatedSize();
    }

    @Override
    public Optional<Store> bySecretKey(String secretKey) {
        if (!StoreKeys.wellFormed(secretKey)) {
            return Optional.empty();
        }
        String hash = StoreKeys.hash(secretKey);
        if (bySecretHash == null) {
            MemoryOnly.check();
            return loadBySecretHash(hash);
        }
        return Optional.ofNullable(bySecretHash.get(hash, h -> loadBySecretHash(h).orElse(null)));
    }

    private Optional<Store> loadBySecretHash(String hash) {
        String sql = "SELECT " + COLUMNS + ", secret_key_hash FROM stores WHERE secret_key_hash = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                // The index found the row by hash; confirm in constant time so that equality is
                // never decided by a short-circuiting string comparison.
                byte[] stored = rs.getString("secret_key_hash").getBytes(StandardCharsets.US_ASCII);
                if (!MessageDigest.isEqual(stored, hash.getBytes(StandardCharsets.US_ASCII))) {
                    return Optional.empty();
                }
                return Optional.of(read(rs));
            }
        } catch (SQLException e) {
            throw failure("look up a secret key", e);
        }
    }

    @Override
    public List<Store> list() {
        String sql = "SELECT " + COLUMNS + " FROM stores ORDER BY created_at, id";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<Store> out = new ArrayList<>();
            while (rs.next()) {
                out.add(read(rs));
            }
            return out;
        } catch (SQLException e) {
            throw failure("list stores", e);
        }
    }

    @Override
    public String rotateSecretKey(String storeId) {
        Store store = byId(storeId).orElseThrow(() -> new StoreNotFoundException(storeId));
        String secretKey = StoreKeys.newSecretKey();
        setSecretHash(store.id(), StoreKeys.hash(secretKey));
        byWriteKey.synchronous().invalidate(store.writeKey());
        return secretKey;
    }

    @Override
    public Store update(String storeId, String name, boolean consentRequired, int retentionDays) {
        String cleanName = validName(name);
        if (retentionDays < 1 || retentionDays > Store.MAX_RETENTION_DAYS) {
            throw new InvalidFieldException("retention_days",
                    "must be an integer within 1.." + Store.MAX_RETENTION_DAYS + ", got " + retentionDays);
        }
        updateRow(storeId, "update store " + storeId, "UPDATE stores SET name = ?, consent_required = ?, "
                + "retention_days = ?, updated_at = ? WHERE id = ?", ps -> {
                    ps.setString(1, cleanName);
                    ps.setBoolean(2, consentRequired);
                    ps.setInt(3, retentionDays);
                    ps.setObject(4, now());
                    ps.setString(5, storeId);
                });
        Store updated = byId(storeId).orElseThrow(() -> new StoreNotFoundException(storeId));
        byWriteKey.put(updated.writeKey(), CompletableFuture.completedFuture(Optional.of(updated)));
        return updated;
    }

    /** Trims; 1..100 characters (code points), no control characters. */
    static String validName(String name) {
        if (name == null) {
            throw new InvalidFieldException("name", "is required");
        }
        String trimmed = name.strip();
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length < 1 || length > MAX_NAME_LENGTH) {
            throw new InvalidFieldException("name",
                    "must be 1.." + MAX_NAME_LENGTH + " characters after trimming, got " + length);
        }
        if (trimmed.codePoints().anyMatch(Character::isISOControl)) {
            throw new InvalidFieldException("name", "must not contain control characters");
        }
        return trimmed;
    }

    private static void requireKey(String field, String key, String prefix, int min, int max) {
        boolean ok = key != null && key.startsWith(prefix) && StoreKeys.wellFormed(key)
                && key.length() - prefix.length() >= min && key.length() - prefix.length() <= max;
        if (!ok) {
            throw new InvalidFieldException(field, "must be '" + prefix + "' followed by " + min + ".." + max
                    + " of [A-Za-z0-9_-]");
        }
    }

    private Store newStore(String id, String name, String writeKey, boolean consentRequired) {
        return new Store(id, name, writeKey, consentRequired, Store.DEFAULT_RETENTION_DAYS, now().toInstant());
    }

    private void insert(Store store, String secretHash) throws SQLException {
        String sql = "INSERT INTO stores (id, name, write_key, secret_key_hash, consent_required, retention_days, "
                + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            OffsetDateTime created = store.createdAt().atOffset(ZoneOffset.UTC);
            ps.setString(1, store.id());
            ps.setString(2, store.name());
            ps.setString(3, store.writeKey());
            ps.setString(4, secretHash);
            ps.setBoolean(5, store.consentRequired());
            ps.setInt(6, store.retentionDays());
            ps.setObject(7, created);
            ps.setObject(8, created);
            ps.executeUpdate();
        }
    }

    private boolean hashMatches(String storeId, String hash) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT secret_key_hash FROM stores WHERE id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && MessageDigest.isEqual(rs.getString(1).getBytes(StandardCharsets.US_ASCII),
                        hash.getBytes(StandardCharsets.US_ASCII));
            }
        } catch (SQLException e) {
            throw failure("read store " + storeId, e);
        }
    }

    private void setSecretHash(String storeId, String hash) {
        updateRow(storeId, "replace the secret key of " + storeId,
                "UPDATE stores SET secret_key_hash = ?, updated_at = ? WHERE id = ?", ps -> {
                    ps.setString(1, hash);
                    ps.setObject(2, now());
                    ps.setString(3, storeId);
                });
    }

    /**
     * Runs the update {@code sql} of the store's row ({@link StoreNotFoundException} when there is none),
     * then {@link #secretKeysChanged}.
     */
    private void updateRow(String storeId, String what, String sql, Statements.Binder binder) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            if (ps.executeUpdate() == 0) {
                throw new StoreNotFoundException(storeId);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            secretKeysChanged();
        }
    }

    /** After any write to a store: the secret-key cache forgets every store (writes are rare; reads are not). */
    private void secretKeysChanged() {
        if (bySecretHash != null) {
            bySecretHash.changedAll();
        }
    }

    private Optional<Store> loadByWriteKey(String writeKey) {
        return queryOne("SELECT " + COLUMNS + " FROM stores WHERE write_key = ?", writeKey);
    }

    private Optional<Store> queryOne(String sql, String param) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read stores", e);
        }
    }

    private static Store read(ResultSet rs) throws SQLException {
        return new Store(rs.getString("id"), rs.getString("name"), rs.getString("write_key"),
                rs.getBoolean("consent_required"), rs.getInt("retention_days"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }

    /** Now, at the microsecond precision PostgreSQL keeps, so a stored instant reads back equal. */
    private OffsetDateTime now() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return now.atOffset(ZoneOffset.UTC);
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("metadata database: cannot " + what + " (" + e.getSQLState() + ")", e);
    }
}
