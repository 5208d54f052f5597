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
 * An append-only log of byte records in segment files, with group commit.
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
 * <p>Positions are global byte offsets; a segment file is named after the position of its
 * first byte, like Kafka's. Readers follow the committed end and never see a partial record.
 */
public final class SegmentedLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentedLog.class);
    private static final int HEADER = 8;
    private static final String SUFFIX = ".log";
    public static final int MAX_RECORD = 1 << 20;

    private final Path dir;
    private final boolean fsync;
    private final long segmentBytes;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Set by the writer just before it parks: appenders wake it only then, not once per append. */
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final ReentrantLock endLock = new ReentrantLock();
    private final Condition grown = endLock.newCondition();
    private final Thread writer;
    /** Held by whoever is writing a group; the buffers below belong to its holder. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
    private final java.util.concurrent.ConcurrentHashMap<Long, FileChannel> readers =
            new java.util.concurrent.ConcurrentHashMap<>();

    private FileChannel active;
    private long activeBase;
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

    public SegmentedLog(Path dir, boolean fsync, long segmentBytes) {
        this.dir = dir;
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                        .forEach(p -> segments.put(baseOf(p), p));
            }
            if (segments.isEmpty()) {
                segments.put(0L, segmentPath(0));
            }
            activeBase = segments.lastKey();
            active = FileChannel.open(segments.lastEntry().getValue(), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            long valid = recoverTail(active);
            if (valid < active.size()) {
                LOG.warn("log: truncating torn tail of {} at byte {} (was {} bytes)", segments.lastEntry().getValue(),
                        valid, active.size());
                active.truncate(valid);
                active.force(true);
            }
            active.position(valid);
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

    private Path segmentPath(long base) {
        return dir.resolve(String.format("%020d%s", base, SUFFIX));
    }

    /** Scans a segment and returns the length of its valid prefix. */
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
            LOG.error("log: append failed", t);
            for (Pending p : group) {
                if (p.end == 0) {
                    p.failure = t;
                }
            }
        }
        return group;
    }

    private void writeGroup(List<Pending> group) throws IOException {
        if (active.position() >= segmentBytes) {
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
            long newEnd = activeBase + active.position();
            publishEnd(newEnd);
            for (int k = startIndex; k < i; k++) {
                group.get(k).end = newEnd;
            }
            startIndex = i;
        }
    }

    private void roll() throws IOException {
        long base = activeBase + active.size();
        active.force(true);
        active.close();
        activeBase = base;
        Path p = segmentPath(base);
        active = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        synchronized (segments) {
            segments.put(base, p);
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

    /** Position of the first retained byte. */
    public long start() {
        synchronized (segments) {
            return segments.firstKey();
        }
    }

    /** Waits until the log end passes {@code position} or the timeout elapses. */
    public boolean awaitEnd(long position, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        endLock.lock();
        try {
            while (end <= position) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                grown.awaitNanos(left);
            }
            return true;
        } finally {
            endLock.unlock();
        }
    }

    /**
     * Reads whole records from {@code position}, up to {@code maxRecords} or about
     * {@code maxBytes}, never past the durable end. Empty when the position is at the end.
     */
    public List<LogRecord> read(long position, int maxRecords, int maxBytes) {
        List<LogRecord> out = new ArrayList<>();
        long limit = end;
        long pos = Math.max(position, start());
        int bytes = 0;
        try {
            while (pos < limit && out.size() < maxRecords && bytes < maxBytes) {
                var seg = floorSegment(pos);
                long base = seg.getKey();
                FileChannel ch = readChannel(base, seg.getValue());
                long segEnd = Math.min(base + ch.size(), limit);
                if (pos >= segEnd) {
                    Long next = nextSegment(base);
                    if (next == null) {
                        break;
                    }
                    pos = next;
                    continue;
                }
                // One read for many records; a record cut at the chunk's end is read again next round.
                int chunkSize = (int) Math.min(segEnd - pos, Math.max(HEADER, Math.min(maxBytes - bytes, 4 << 20)));
                ByteBuffer chunk = ByteBuffer.allocate(chunkSize);
                while (chunk.hasRemaining() && ch.read(chunk, pos - base + chunk.position()) > 0) {
                    // keep reading until the chunk is full
                }
                chunk.flip();
                boolean progressed = false;
                while (chunk.remaining() >= HEADER && out.size() < maxRecords && bytes < maxBytes) {
                    int len = chunk.getInt(chunk.position());
                    if (chunk.remaining() < HEADER + len) {
                        break;
                    }
                    chunk.position(chunk.position() + HEADER);
                    byte[] payload = new byte[len];
                    chunk.get(payload);
                    long next = pos + HEADER + len;
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
                    byte[] payload = new byte[len];
                    ch.read(ByteBuffer.wrap(payload), pos - base + HEADER);
                    long next = pos + HEADER + len;
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

    private java.util.Map.Entry<Long, Path> floorSegment(long pos) {
        synchronized (segments) {
            return segments.floorEntry(pos);
        }
    }

    private Long nextSegment(long base) {
        synchronized (segments) {
            return segments.higherKey(base);
        }
    }

    /** The first positions of the segment files, oldest first; the last one is the segment being written. */
    public List<Long> segmentStarts() {
        synchronized (segments) {
            return List.copyOf(segments.keySet());
        }
    }

    /**
     * Deletes whole segments that end at or before {@code position}, keeping the active one. The
     * caller ({@link LogRetention}) passes a position every consumer has committed past.
     */
    public int deleteBefore(long position) {
        int deleted = 0;
        synchronized (segments) {
            while (segments.size() > 1) {
                long first = segments.firstKey();
                Long second = segments.higherKey(first);
                if (second == null || second > position) {
                    break;
                }
                try {
                    closeQuietly(readers.remove(first));
                    Files.deleteIfExists(segments.remove(first));
                    deleted++;
                } catch (IOException e) {
                    LOG.warn("log: cannot delete segment {}", first, e);
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
            readers.values().forEach(SegmentedLog::closeQuietly);
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
