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
            assertThat(bytesOf(".log")).isLessThan(bound + (36L << 20));
        }
    }

    /**
     * A blob family's large values live in blob files once flushed: {@link RocksDatabase#get} first asks
     * {@code keyMayExist}, which cannot read a blob file and must then say "maybe" rather than hand back
     * the reference the tree holds; the value read is the one written, before and after a reopen.
     */
    @Test
    void largeValuesOfABlobFamilyAreKeptInBlobFilesAndReadBackWhole() throws Exception {
        String family = RocksDatabase.BLOB_FAMILIES.iterator().next();
        Random random = new Random(2);
        byte[] large = new byte[4_000];
        random.nextBytes(large);
        byte[] small = "small".getBytes();
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of(family))) {
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(rocks.family(family), "large".getBytes(), large);
                batch.put(rocks.family(family), "small".getBytes(), small);
                rocks.write(batch);
            }
            flush(rocks, family);
            assertThat(bytesOf(".blob")).isGreaterThanOrEqualTo(large.length).isLessThan(2L * large.length);
            assertThat(rocks.get(family, "large".getBytes())).isEqualTo(large);
            assertThat(rocks.get(family, "small".getBytes())).isEqualTo(small);
        }
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of(family))) {
            assertThat(rocks.get(family, "large".getBytes())).isEqualTo(large);
            assertThat(rocks.get(family, "small".getBytes())).isEqualTo(small);
            assertThat(rocks.get(family, "absent".getBytes())).isNull();
        }
    }

    /**
     * Values rewritten again and again (a person state at each event), flushed 20 times, leave no more
     * than what is live in blob files once compacted: a blob file is deleted once nothing references it.
     */
    @Test
    void overwrittenBlobsAreReclaimed() throws Exception {
        String family = RocksDatabase.BLOB_FAMILIES.iterator().next();
        Random random = new Random(3);
        byte[] value = new byte[2_000];
        int keys = 200;
        try (RocksDatabase rocks = new RocksDatabase(dir, List.of(family))) {
            for (int round = 0; round < 20; round++) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (int k = 0; k < keys; k++) {
                        random.nextBytes(value);
                        batch.put(rocks.family(family), Keys.key().i64(k).build(), value);
                    }
                    rocks.write(batch);
                }
                flush(rocks, family);
            }
            rocks.db().compactRange(rocks.family(family));
            assertThat(bytesOf(".blob")).as("what is live: one round").isLessThan(2L * keys * value.length);
            assertThat(rocks.get(family, Keys.key().i64(7).build())).hasSize(value.length);
        }
    }

    private static void flush(RocksDatabase rocks, String family) throws org.rocksdb.RocksDBException {
        try (org.rocksdb.FlushOptions options = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            rocks.db().flush(options, rocks.family(family));
        }
    }

    /** The bytes of the directory's files named {@code *suffix}: ".log" the write-ahead log, ".blob" the blob files. */
    private long bytesOf(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
