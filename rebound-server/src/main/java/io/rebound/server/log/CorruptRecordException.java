package io.rebound.server.log;

/**
 * A record whose frame does not hold up when read: its CRC does not match its payload, or its
 * length cannot be right. The log never writes such a record (a failed write is cut away before
 * anything follows it), so this is damage on disk. Records before it were returned by earlier
 * reads; a consumer that gives up on this one resumes at {@link #resumeAt()}.
 */
public final class CorruptRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long position;
    private final long resumeAt;

    CorruptRecordException(String problem, long position, long resumeAt) {
        super("corrupt log record at position " + position + ": " + problem);
        this.position = position;
        this.resumeAt = resumeAt;
    }

    /** Where the damaged record starts. */
    public long position() {
        return position;
    }

    /**
     * Where reading can go on: after the record when its length is plausible, else the end of what
     * its file holds (the bytes in between cannot be framed).
     */
    public long resumeAt() {
        return resumeAt;
    }
}
