package io.rebound.server.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class RocksDatabaseTest {
    @TempDir
    Path dir;

    /** RocksDB refuses a database opened without all of its families: those not named are opened too. */
    @Test
    void familiesTheDirectoryHoldsAndTheListDoesNotNameAreOpenedToo() {
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of("mine", "theirs"))) {
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(rocks.family("theirs"), "k".getBytes(), "v".getBytes());
                rocks.write(batch);
            } catch (org.rocksdb.RocksDBException e) {
                throw new IllegalStateException(e);
            }
        }
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of("mine"))) {
            assertThat(rocks.get("theirs", "k".getBytes())).isEqualTo("v".getBytes());
        }
    }

    /**
     * A column family written rarely or always at the same key (the consumers' offsets) never fills
     * its memtable, so it never flushes and pins every write-ahead log file written since: without a
     * bound on the WAL, the state directory grows with everything ever written, purged or not.
     */
    @Test
    void theWriteAheadLogStaysBoundedWhenAColumnFamilyIsNeverFlushedBySize() throws Exception {
        byte[] value = new byte[1 << 20];
        Random random = new Random(1);
        long bound = 64L << 20; // the server's bound is larger: a test writing twice as much would take long
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of("busy", "offsets"), bound)) {
            for (int i = 0; i < 160; i++) {
                random.nextBytes(value);   // incompressible: 1 MB per write reaches the WAL
                try (WriteBatch batch = new WriteBatch()) {
                    batch.put(rocks.family("busy"), Keys.key().i64(i).build(), value);
                    batch.put(rocks.family("offsets"), "indexer".getBytes(), Keys.key().i64(i).build());
                    rocks.write(batch);
                }
            }
            assertThat(walBytes()).isLessThan(bound + (36L << 20));
        }
    }

    private long walBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
