package io.rebound.server.audience;

import io.rebound.server.meta.Database;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the embedded audience tests share, registered as a static {@code @RegisterExtension}: a directory
 * of the test class's own ({@link #root()}, deleted after its last test), the embedded metadata database
 * in it with the stores the class names, and — with {@link #clearingSegments()} — no segment left over
 * from an earlier test.
 */
final class MetadataFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final String[] stores;
    private final boolean clearSegments;
    private Path root;
    private Database database;

    MetadataFixture(String... stores) {
        this(stores, false);
    }

    private MetadataFixture(String[] stores, boolean clearSegments) {
        this.stores = stores.clone();
        this.clearSegments = clearSegments;
    }

    /** The same, deleting every segment before each test. */
    MetadataFixture clearingSegments() {
        return new MetadataFixture(stores, true);
    }

    /** The class's directory: the metadata database is in {@code meta}, the rest is the tests'. */
    Path root() {
        return root;
    }

    Database database() {
        return database;
    }

    /** {@link AudienceHarness#fresh}: a runtime of its own in this directory, over this database. */
    AudienceHarness freshHarness() {
        return AudienceHarness.fresh(root, database);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory(context.getRequiredTestClass().getSimpleName());
        database = Database.embedded(root.resolve("meta"));
        AudienceHarness.ensureStores(database, stores);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (clearSegments) {
            AudienceHarness.clearSegments(database);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (database != null) {
                database.close();
            }
        } finally {
            try (Stream<Path> all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
