package io.rebound.server.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * An append-only log of byte records in log files, with group commit.
 *
 * <p>Group commit: appends queue up and one writer writes everything queued in one
 * {@code write} call, then completes the appenders' futures. Without fsync the writer is
 * whichever appending thread finds nobody writing (the others' records ride along in its
 * write, and it looks at the queue again after letting go, so nothing is left behind): a
 * page-cache write takes microseconds, and handing it to another thread would cost two
 * thread wake-ups per request. Once {@code write} returns, the bytes are in the operating
 * system's page cache and survive the process being killed. With {@code fsync} on, a
 * dedicated writer thread also forces them to the device before completing, which covers
 * power loss, and appenders never block on the device. A record is framed as {@code [length:int][crc32c:int][payload]};
 * on open, a torn or corrupt tail (a crash mid-write) is truncated away.
 *
 * <p>A write that fails (disk full, I/O error) may have put part of its group in the file. The
 * writer cuts the file back to the end of the last good write before anything else is written,
 * so a torn record never has acknowledged records after it; the failed appends complete
 * exceptionally (the collector answers 503) and every later group tries again, so accepting resumes
 * by itself once the disk has room. Until a write succeeds, {@link #writeFailure()} says why not.
 * Readers check each record's CRC and length and never hand out a damaged payload
 * ({@link CorruptRecordException}).
 *
 * <p>Positions are global byte offsets; a log file is named after the position of its
 * first byte, like Kafka's. Readers follow the committed end and never see a partial record.
 */
public final class RollingLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RollingLog.class);
    private static final int HEADER = 8;
    /** What {@link #read} reckons a record takes before it has read one (event records: a few hundred bytes). */
    private static final long FIRST_RECORD_GUESS = 512;
    private static final String SUFFIX = ".log";
    public static final int MAX_RECORD = 1 << 20;

    private final Path dir;
    private final boolean fsync;
    private final long fileBytes;
    private final TreeMap<Long, Path> logFiles = new TreeMap<>();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Set by the writer just before it parks: appenders wake it only then, not once per append. */
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final ReentrantLock endLock = new ReentrantLock();
    private final Condition grown = endLock.newCondition();
    /** Bumped by {@link #wakeReaders}; guarded by {@link #endLock}. */
    private long wakes;
    private final Thread writer;
    /** Held by whoever is writing a group; the buffers below belong to its holder. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
    private final java.util.concurrent.ConcurrentHashMap<Long, FileChannel> readers =
            new java.util.concurrent.ConcurrentHashMap<>();

    private FileChannel active;
    private long activeBase;
    /** Bytes of the active file that hold whole, successfully written records; what a failed write is cut back to. */
    private long written;
    /**
     * Where a consumer that committed {@code stored} resumes: there, unless the log no longer
     * reaches it. Past the end means the log lost a tail the consumer had already committed (a
     * torn or damaged tail truncated on open, after the consumer's state survived): it resumes at
     * the end, because waiting for the log to grow back to {@code stored} would then read from the
     * middle of a record. Before the start means those files were deleted.
     */
    public long resumePosition(String consumer, long stored) {
        long end = this.end;
        if (stored > end) {
            LOG.warn("{}: committed log position {} is past the log's end {} (the log lost its tail); resuming at the end",
                    consumer, stored, end);
            return end;
        }
        return Math.max(stored, start());
    }

    /** Why the last write failed; null once a write has succeeded. */
    private volatile String writeFailure;
    /** A failed write could not be cut back yet: the next group does that first. */
    private boolean cutPending;
    private volatile long end;
    private volatile boolean closed;

    /** One append: its records, its future, and (once written) the end position or the failure. */
    private static final class Pending {
        final List<byte[]> records;
        final CompletableFuture<Long> done;
        long end;
        Throwable failure;

        Pending(List<byte[]> records, CompletableFuture<Long> done) {
            this.records = records;
            this.done = done;
        }

        void complete() {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(end);
            }
        }
    }

    public RollingLog(Path dir, boolean fsync, long fileBytes) {
        this.dir = dir;
        this.fsync = fsync;
        this.fileBytes = fileBytes;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                        .forEach(p -> logFiles.put(baseOf(p), p));
            }
            if (logFiles.isEmpty()) {
                logFiles.put(0L, logFilePath(0));
            }
            activeBase = logFiles.lastKey();
            active = FileChannel.open(logFiles.lastEntry().getValue(), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            long valid = recoverTail(active);
            if (valid < active.size()) {
                LOG.warn("log: truncating torn tail of {} at byte {} (was {} bytes)", logFiles.lastEntry().getValue(),
                        valid, active.size());
                active.truncate(valid);
                active.force(true);
            }
            active.position(valid);
            written = valid;
            end = activeBase + valid;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log in " + dir, e);
        }
        writer = fsync ? Thread.ofPlatform().name("log-writer").daemon(true).start(this::writeLoop) : null;
    }

    private static long baseOf(Path p) {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
    }

    private Path logFilePath(long base) {
        return dir.resolve(String.format("%020d%s", base, SUFFIX));
    }

    /** Scans a file and returns the length of its valid prefix. */
    private static long recoverTail(FileChannel ch) throws IOException {
        long pos = 0;
        long size = ch.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        CRC32C crc = new CRC32C();
        while (pos + HEADER <= size) {
            header.clear();
            ch.read(header, pos);
            header.flip();
            int len = header.getInt();
            int sum = header.getInt();
            if (len < 0 || len > MAX_RECORD || pos + HEADER + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            ch.read(payload, pos + HEADER);
            payload.flip();
            crc.reset();
            crc.update(payload);
            if ((int) crc.getValue() != sum) {
                break;
            }
            pos += HEADER + len;
        }
        return pos;
    }

    /**
     * Appends records; the future completes with the log end position once they are durable.
     * Records are written contiguously and in order. Without fsync the calling thread writes
     * them (and whatever else is queued) before returning; see {@link #enqueue} to defer that.
     */
    public CompletableFuture<Long> append(List<byte[]> records) {
        CompletableFuture<Long> done = enqueue(records);
        flush();
        return done;
    }

    /**
     * Queues records without writing them: the future completes once a later {@link #flush}
     * (by this or any thread) or the fsync writer has made them durable. An event loop queues
     * every append of one pass over its connections and flushes once after the pass, so a
     * burst of requests costs one {@code write} instead of one each.
     */
    public CompletableFuture<Long> enqueue(List<byte[]> records) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        for (byte[] r : records) {
            if (r.length > MAX_RECORD) {
                done.completeExceptionally(new IllegalArgumentException("record larger than " + MAX_RECORD + " bytes"));
                return done;
            }
        }
        if (closed) {
            done.completeExceptionally(new IllegalStateException("event log is closed"));
            return done;
        }
        queue.add(new Pending(records, done));
        if (writer != null && writerParked.get() && writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
        return done;
    }

    /**
     * Writes everything queued, unless the fsync writer thread does that. A failed
     * {@code tryLock} means another thread is writing, and it looks at the queue again after
     * letting go, so nothing queued before this call is left behind.
     */
    public void flush() {
        if (writer != null) {
            return;
        }
        while (!queue.isEmpty() && writeLock.tryLock()) {
            writeQueuedAndComplete();
        }
    }

    /** The fsync writer thread: parks while the queue is empty. */
    private void writeLoop() {
        while (!closed || !queue.isEmpty()) {
            if (queue.isEmpty()) {
                // Announce the park, then look again: an append that missed the flag is seen here.
                writerParked.set(true);
                if (queue.isEmpty()) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
                writerParked.set(false);
                continue;
            }
            writeLock.lock();
            writeQueuedAndComplete();
        }
    }

    /** With {@link #writeLock} held: writes the queue, lets go of the lock, then completes the appends. */
    private void writeQueuedAndComplete() {
        List<Pending> written;
        try {
            written = writeQueued();
        } finally {
            writeLock.unlock();
        }
        written.forEach(Pending::complete);
    }

    /**
     * Writes everything queued as one group and returns the appends written (or failed), to be
     * completed by the caller after it lets go of {@link #writeLock}, which it holds now: a
     * completion may run request code, and that code must not run inside the writer.
     */
    private List<Pending> writeQueued() {
        List<Pending> group = new ArrayList<>();
        for (Pending p = queue.poll(); p != null; p = queue.poll()) {
            group.add(p);
        }
        try {
            if (!group.isEmpty()) {
                writeGroup(group);
            }
        } catch (Throwable t) {
            if (!(t instanceof IOException) && !(t instanceof RuntimeException)) {
                LOG.error("log: append failed", t); // the others were logged by writeGroup
            }
            for (Pending p : group) {
                if (p.end == 0) {
                    p.failure = t;
                }
            }
        }
        return group;
    }

    private void writeGroup(List<Pending> group) throws IOException {
        try {
            writeGroupFrom(group);
            if (writeFailure != null) {
                LOG.info("log: writes succeed again after: {}", writeFailure);
                writeFailure = null;
            }
        } catch (IOException | RuntimeException e) {
            // Once per outage with the stack; every request of a full disk would otherwise log one.
            if (writeFailure == null) {
                LOG.error("log: write failed; appends are refused (503) until a write succeeds", e);
            } else {
                LOG.debug("log: write failed again", e);
            }
            writeFailure = String.valueOf(e.getMessage());
            cutBackToLastGoodWrite();
            throw e;
        }
    }

    /**
     * After a failed write: drops whatever part of it reached the file, so the next record starts
     * at the end of the last good one. If even that fails, the next group tries again first.
     */
    private void cutBackToLastGoodWrite() {
        try {
            if (active.size() > written) {
                LOG.warn("log: cutting a failed write out of file {} (back to byte {} from {})", activeBase,
                        written, active.size());
                active.truncate(written);
            }
            active.position(written);
            cutPending = false;
        } catch (IOException | RuntimeException e) {
            cutPending = true;
            LOG.error("log: cannot cut a failed write back to byte {}; the next write does it first", written, e);
        }
    }

    private void writeGroupFrom(List<Pending> group) throws IOException {
        if (cutPending) {
            // A previous failed write could not be cut back: do it now, or fail this group too.
            active.truncate(written);
            active.position(written);
            cutPending = false;
        }
        if (written >= fileBytes) {
            roll();
        }
        int startIndex = 0;
        while (startIndex < group.size()) {
            // Fill the buffer with as many whole pending appends as fit, write them, repeat.
            buf.clear();
            int i = startIndex;
            while (i < group.size()) {
                int need = 0;
                for (byte[] r : group.get(i).records) {
                    need += HEADER + r.length;
                }
                if (need > buf.capacity() && i == startIndex) {
                    buf = ByteBuffer.allocateDirect(need);
                }
                if (need > buf.remaining()) {
                    break;
                }
                for (byte[] r : group.get(i).records) {
                    crc.reset();
                    crc.update(r);
                    buf.putInt(r.length).putInt((int) crc.getValue()).put(r);
                }
                i++;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                active.write(buf);
            }
            if (fsync) {
                active.force(false);
            }
            written = active.position();
            long newEnd = activeBase + written;
            publishEnd(newEnd);
            for (int k = startIndex; k < i; k++) {
                group.get(k).end = newEnd;
            }
            startIndex = i;
        }
    }

    /**
     * Starts a new file. The new file is opened before the old one is closed, so a roll that
     * fails (no room for the file) leaves the old file active and the next group tries again;
     * a file left by such an attempt lies past the end and holds nothing acknowledged.
     */
    private void roll() throws IOException {
        long base = activeBase + written;
        Path p = logFilePath(base);
        FileChannel next = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            next.truncate(0);
            active.force(true);
        } catch (IOException | RuntimeException e) {
            next.close();
            throw e;
        }
        active.close();
        active = next;
        activeBase = base;
        written = 0;
        synchronized (logFiles) {
            logFiles.put(base, p);
        }
    }

    private void publishEnd(long newEnd) {
        endLock.lock();
        try {
            end = newEnd;
            grown.signalAll();
        } finally {
            endLock.unlock();
        }
    }

    /** Position after the last durable record. */
    public long end() {
        return end;
    }

    /** Why the last write failed (e.g. "No space left on device"), or null when the last write succeeded. */
    public String writeFailure() {
        return writeFailure;
    }

    /** Position of the first retained byte. */
    public long start() {
        synchronized (logFiles) {
            return logFiles.firstKey();
        }
    }

    /** Waits until the log end passes {@code position} or the timeout elapses. */
    public boolean awaitEnd(long position, long timeoutMillis) throws InterruptedException {
        return awaitEnd(position, timeoutMillis, wakes());
    }

    /**
     * A reader's wake-ups ({@link #wakeReaders}) so far: pass it to {@link #awaitEnd(long, long, long)}
     * before looking for other work, and a wake-up in between is not missed.
     */
    public long wakes() {
        endLock.lock();
        try {
            return wakes;
        } finally {
            endLock.unlock();
        }
    }

    /** Wakes every reader waiting in {@link #awaitEnd}: a reader has work besides the log's (a command). */
    public void wakeReaders() {
        endLock.lock();
        try {
            wakes++;
            grown.signalAll();
        } finally {
            endLock.unlock();
        }
    }

    /**
     * Waits until the log end passes {@code position}, a reader is woken after {@code wakesSeen}
     * ({@link #wakes}), or the timeout elapses; true when the end passed the position.
     */
    public boolean awaitEnd(long position, long timeoutMillis, long wakesSeen) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        endLock.lock();
        try {
            while (end <= position && wakes == wakesSeen) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                grown.awaitNanos(left);
            }
            return end > position;
        } finally {
            endLock.unlock();
        }
    }

    /**
     * Each reading thread's chunk buffer, reused from read to read (its contents are copied out before a
     * read returns): a new one per read was a tenth of what a consumer allocated, zeroed and then dropped.
     * Chunks larger than {@link #MAX_HELD_CHUNK} are not kept.
     */
    private static final ThreadLocal<ByteBuffer> CHUNK = new ThreadLocal<>();
    private static final int MAX_HELD_CHUNK = 2 << 20;

    /** A heap buffer of {@code size} bytes (position 0, limit {@code size}); its old contents are not cleared. */
    private static ByteBuffer chunk(int size) {
        if (size > MAX_HELD_CHUNK) {
            return ByteBuffer.allocate(size);
        }
        ByteBuffer held = CHUNK.get();
        if (held == null || held.capacity() < size) {
            held = ByteBuffer.allocate(Math.min(MAX_HELD_CHUNK, Math.max(size, 64 << 10)));
            CHUNK.set(held);
        }
        held.clear().limit(size);
        return held;
    }

    /**
     * Reads whole records from {@code position}, up to {@code maxRecords} or about
     * {@code maxBytes}, never past the durable end. Empty when the position is at the end. Each
     * record's length and CRC are checked; the read stops before a damaged record.
     *
     * @throws CorruptRecordException when the record at {@code position} itself is damaged
     */
    public List<LogRecord> read(long position, int maxRecords, int maxBytes) {
        List<LogRecord> out = new ArrayList<>();
        CRC32C check = new CRC32C();
        long limit = end;
        long pos = Math.max(position, start());
        int bytes = 0;
        try {
            while (pos < limit && out.size() < maxRecords && bytes < maxBytes) {
                var seg = floorLogFile(pos);
                long base = seg.getKey();
                FileChannel ch = readChannel(base, seg.getValue());
                long segEnd = Math.min(base + ch.size(), limit);
                if (pos >= segEnd) {
                    Long next = nextLogFile(base);
                    if (next == null) {
                        break;
                    }
                    pos = next;
                    continue;
                }
                // One read for many records; a record cut at the chunk's end is read again next round.
                // Sized for the records still wanted (by the mean size of those read so far, a guess before
                // the first): a consumer asking for a few thousand records no longer reads, zeroes and drops
                // a 4 MB chunk each time, most of it read again by its next call.
                long perRecord = out.isEmpty() ? FIRST_RECORD_GUESS : (long) bytes / out.size() + HEADER + 64;
                long wanted = Math.max(HEADER, Math.min((long) (maxRecords - out.size()) * perRecord, Math.min(maxBytes - bytes, 4 << 20)));
                int chunkSize = (int) Math.min(segEnd - pos, wanted);
                ByteBuffer chunk = chunk(chunkSize);
                while (chunk.hasRemaining() && ch.read(chunk, pos - base + chunk.position()) > 0) {
                    // keep reading until the chunk is full
                }
                chunk.flip();
                boolean progressed = false;
                while (chunk.remaining() >= HEADER && out.size() < maxRecords && bytes < maxBytes) {
                    int len = chunk.getInt(chunk.position());
                    if (impossible(len, pos, segEnd)) {
                        return damaged(out, "impossible length " + len, pos, segEnd);
                    }
                    if (chunk.remaining() < HEADER + len) {
                        break;
                    }
                    int sum = chunk.getInt(chunk.position() + 4);
                    chunk.position(chunk.position() + HEADER);
                    byte[] payload = new byte[len];
                    chunk.get(payload);
                    long next = pos + HEADER + len;
                    if (!crcMatches(check, payload, sum)) {
                        return damaged(out, "CRC mismatch", pos, next);
                    }
                    out.add(new LogRecord(pos, next, payload));
                    bytes += len;
                    pos = next;
                    progressed = true;
                }
                if (!progressed) {
                    // A single record larger than the chunk: read it on its own.
                    ByteBuffer header = ByteBuffer.allocate(HEADER);
                    ch.read(header, pos - base);
                    int len = header.getInt(0);
                    if (impossible(len, pos, segEnd)) {
                        return damaged(out, "impossible length " + len, pos, segEnd);
                    }
                    byte[] payload = new byte[len];
                    ch.read(ByteBuffer.wrap(payload), pos - base + HEADER);
                    long next = pos + HEADER + len;
                    if (!crcMatches(check, payload, header.getInt(4))) {
                        return damaged(out, "CRC mismatch", pos, next);
                    }
                    out.add(new LogRecord(pos, next, payload));
                    bytes += len;
                    pos = next;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event log at " + pos, e);
        }
        return out;
    }

    /**
     * A length that cannot be right: negative, over the limit, or past the readable end of its
     * file (the writer publishes the end only after whole records).
     */
    private static boolean impossible(int len, long pos, long segEnd) {
        return len < 0 || len > MAX_RECORD || pos + HEADER + len > segEnd;
    }

    private static boolean crcMatches(CRC32C check, byte[] payload, int sum) {
        check.reset();
        check.update(payload);
        return (int) check.getValue() == sum;
    }

    /**
     * Ends a read at a damaged record: the records before it are returned, and a read that starts
     * at it throws, so no consumer ever sees a payload its CRC does not vouch for.
     */
    private static List<LogRecord> damaged(List<LogRecord> before, String problem, long pos, long resumeAt) {
        if (!before.isEmpty()) {
            return before;
        }
        throw new CorruptRecordException(problem, pos, resumeAt);
    }

    /** Read channels stay open: positional reads are thread-safe and reopening per read is costly. */
    private FileChannel readChannel(long base, Path path) throws IOException {
        FileChannel ch = readers.get(base);
        if (ch == null) {
            FileChannel opened = FileChannel.open(path, StandardOpenOption.READ);
            ch = readers.putIfAbsent(base, opened);
            if (ch == null) {
                ch = opened;
            } else {
                opened.close();
            }
        }
        return ch;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("log: closing a read channel failed", e);
            }
        }
    }

    private java.util.Map.Entry<Long, Path> floorLogFile(long pos) {
        synchronized (logFiles) {
            return logFiles.floorEntry(pos);
        }
    }

    private Long nextLogFile(long base) {
        synchronized (logFiles) {
            return logFiles.higherKey(base);
        }
    }

    /** The first positions of the log files, oldest first; the last one is the file being written. */
    public List<Long> fileStarts() {
        synchronized (logFiles) {
            return List.copyOf(logFiles.keySet());
        }
    }

    /**
     * Deletes whole files that end at or before {@code position}, keeping the active one. The
     * caller ({@link LogRetention}) passes a position every consumer has committed past.
     */
    public int deleteBefore(long position) {
        int deleted = 0;
        synchronized (logFiles) {
            while (logFiles.size() > 1) {
                long first = logFiles.firstKey();
                Long second = logFiles.higherKey(first);
                if (second == null || second > position) {
                    break;
                }
                try {
                    closeQuietly(readers.remove(first));
                    Files.deleteIfExists(logFiles.remove(first));
                    deleted++;
                } catch (IOException e) {
                    LOG.warn("log: cannot delete file {}", first, e);
                    break;
                }
            }
        }
        return deleted;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writer != null) {
                LockSupport.unpark(writer);
                writer.join(5_000);
            }
            writeLock.lock();
            writeQueuedAndComplete();
            active.force(true);
            active.close();
            readers.values().forEach(RollingLog::closeQuietly);
            readers.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("log: error closing", e);
        }
        endLock.lock();
        try {
            grown.signalAll();
        } finally {
            endLock.unlock();
        }
    }
}
