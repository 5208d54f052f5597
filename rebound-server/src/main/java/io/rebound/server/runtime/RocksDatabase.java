package io.rebound.server.runtime;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Holder;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The embedded runtime's RocksDB database: one instance, one column family per kind of data
 * (visitor events, dedup keys, consumer offsets, and the audience engine's state). Every
 * component writes through {@link #write(WriteBatch)} so that state and the log offset it
 * reflects are committed atomically — re-processing after a crash is then exact.
 */
public final class RocksDatabase implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    /**
     * Bound on the write-ahead log; RocksDB's default (4× all memtables, GBs here) lets it grow with every
     * write. Past it, RocksDB flushes every family that holds data in the oldest log file, however little:
     * at 64 MB, a burst that rewrites person states (hundreds of MB/s) flushed every family about twice a
     * second, and the many small files were compacted again and again (measured in docs/PERFORMANCE.md,
     * session 12). Replaying it on a restart after a crash reads at most this much.
     */
    static final long MAX_TOTAL_WAL_BYTES = 512L << 20;
    /**
     * Families whose values are large and rewritten at every event: the audience engine's person
     * states (several KB for a visitor with a long history, rewritten whole for each event). In the
     * LSM tree, every flush and compaction copied them again; RocksDB's integrated blob files keep values
     * from {@link #BLOB_MIN_BYTES} up out of the tree instead, written once at flush, and the tree holds
     * only their keys and references. The person states' compaction, 80 % of a core during a burst of
     * long histories (docs/PERFORMANCE.md, session 12), then falls to a few percent (session 15).
     * Named here, not by the family's owner, so that whatever opens a directory (the server, a test, a
     * tool) opens these families alike; RocksDB reads blob files whatever the options, so an older build
     * still reads a directory written with them.
     */
    public static final Set<String> BLOB_FAMILIES = Set.of("aud_persons");
    /** Values from this size up go to blob files in {@link #BLOB_FAMILIES}; smaller ones stay in the tree. */
    static final long BLOB_MIN_BYTES = 512;
    /**
     * Blob garbage collection: a compaction rewrites what is still live of the oldest quarter of blob
     * files into new ones, so that files whose values were mostly overwritten are deleted (a file is
     * deleted once nothing references it).
     */
    static final double BLOB_GC_AGE_CUTOFF = 0.25;
    /** The memtable bloom filter's size, as a share of the memtable (64 MB: 1.3 MB). */
    static final double MEMTABLE_BLOOM_RATIO = 0.02;

    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final ColumnFamilyOptions pointReadOptions;
    private final ColumnFamilyOptions largeValueOptions;
    private final WriteOptions writeOptions;
    private final Map<String, ColumnFamilyHandle> families = new LinkedHashMap<>();
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();

    /**
     * Opens (creating what is missing) the column families listed; one listed by two owners is opened once.
     * Families the directory holds and the list does not name are opened too (RocksDB refuses to open a
     * database without all of them): a tool or a test that reads some of a server's families can open its
     * directory, and so can an older build after a newer one added a family.
     */
    public RocksDatabase(Path dir, List<String> names) {
        this(dir, names, MAX_TOTAL_WAL_BYTES);
    }

    /** With another bound on the write-ahead log than {@link #MAX_TOTAL_WAL_BYTES} (tests). */
    RocksDatabase(Path dir, List<String> names, long maxTotalWalBytes) {
        try {
            Files.createDirectories(dir);
            List<String> columnFamilies = new ArrayList<>(names.stream().distinct().toList());
            for (String existing : existingFamilies(dir)) {
                if (!existing.equals("default") && !columnFamilies.contains(existing)) {
                    columnFamilies.add(existing);
                }
            }
            dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(2).setKeepLogFileNum(3)
                    // A family that never fills its memtable (the offsets, rewritten at one key) would pin
                    // every WAL file since its last flush: past this size RocksDB flushes it instead.
                    .setMaxTotalWalSize(maxTotalWalBytes);
            cfOptions = new ColumnFamilyOptions()
                    .setCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(new BloomFilter(10, false)));
            // Families read key by key, where most reads miss (a new event id, a new visitor's keys): a
            // bloom filter over each memtable answers such a miss without searching the memtable's skip
            // list. Not the visitor events, which are only scanned by prefix.
            pointReadOptions = new ColumnFamilyOptions(cfOptions)
                    .setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO).setMemtableWholeKeyFiltering(true);
            largeValueOptions = new ColumnFamilyOptions(pointReadOptions)
                    .setEnableBlobFiles(true).setMinBlobSize(BLOB_MIN_BYTES)
                    // LZ4, as the tree: uncompressed blob files made a burst of long histories no faster than
                    // no blob files at all, the flushes writing twice the bytes (docs/PERFORMANCE.md, session 15).
                    .setBlobCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setEnableBlobGarbageCollection(true).setBlobGarbageCollectionAgeCutoff(BLOB_GC_AGE_CUTOFF);
            writeOptions = new WriteOptions();
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
            for (String cf : columnFamilies) {
                descriptors.add(new ColumnFamilyDescriptor(cf.getBytes(StandardCharsets.UTF_8),
                        cf.equals(EventIndexer.CF_EVENTS) ? cfOptions
                                : BLOB_FAMILIES.contains(cf) ? largeValueOptions : pointReadOptions));
            }
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            for (int i = 0; i < columnFamilies.size(); i++) {
                families.put(columnFamilies.get(i), handles.get(i + 1));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<String> existingFamilies(Path dir) throws RocksDBException {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return List.of();
        }
        try (Options options = new Options()) {
            return RocksDB.listColumnFamilies(options, dir.toString()).stream()
                    .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        }
    }

    public RocksDB db() {
        return db;
    }

    public ColumnFamilyHandle family(String name) {
        ColumnFamilyHandle h = families.get(name);
        if (h == null) {
            throw new IllegalArgumentException("unknown column family " + name);
        }
        return h;
    }

    /**
     * A point read. Most reads here miss (a new event id, a new visitor), and RocksJava reports a
     * miss of {@code get} by throwing and catching a C++ exception inside its JNI layer, which
     * profiling showed as the largest single cost of the indexer; {@code keyMayExist} answers a
     * miss from the memtable and the bloom filters without that, and returns values it finds in memory.
     */
    public byte[] get(String family, byte[] key) {
        ColumnFamilyHandle cf = family(family);
        Holder<byte[]> inMemory = new Holder<>();
        if (!db.keyMayExist(cf, key, inMemory)) {
            return null;
        }
        if (inMemory.getValue() != null) {
            return inMemory.getValue();
        }
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB get failed: " + e.getMessage(), e);
        }
    }

    public void write(WriteBatch batch) {
        try {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        db.close();
        writeOptions.close();
        largeValueOptions.close();
        pointReadOptions.close();
        cfOptions.close();
        dbOptions.close();
    }
}
