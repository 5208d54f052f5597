package io.rebound.destinations;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last requests a destination built, newest last, at most {@code capacity} of them: older
 * ones are dropped, so a long-running or dry-run destination holds bounded memory. Thread-safe.
 */
public final class RequestLog {

    /** Default number of requests kept per destination. */
    public static final int DEFAULT_CAPACITY = 200;

    private final int capacity;
    private final Deque<RecordedRequest> requests = new ArrayDeque<>();

    public RequestLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
    }

    public RequestLog() {
        this(DEFAULT_CAPACITY);
    }

    public synchronized void add(RecordedRequest r) {
        if (requests.size() == capacity) {
            requests.removeFirst();
        }
        requests.addLast(r);
    }

    /** The last {@code limit} requests, oldest first. */
    public synchronized List<RecordedRequest> last(int limit) {
        List<RecordedRequest> all = new ArrayList<>(requests);
        return List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    /** Every request kept, oldest first. */
    public synchronized List<RecordedRequest> all() {
        return List.copyOf(requests);
    }

    public int capacity() {
        return capacity;
    }
}
