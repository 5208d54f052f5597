package io.rebound.server.dashboard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each user's session ids, oldest first, so that one account signing in over and over (a script
 * with a valid password) replaces its own oldest sessions instead of filling the process's quota.
 * Ids of sessions that have since expired stay listed until they are pushed out; deleting them
 * again is harmless.
 */
final class SessionCap {
    private final int perUser;
    private final Map<Long, Deque<String>> byUser = new HashMap<>();

    SessionCap(int perUser) {
        this.perUser = perUser;
    }

    /** The ids to end so that {@code userId} may open one more session. */
    synchronized List<String> evictFor(long userId) {
        Deque<String> ids = byUser.get(userId);
        List<String> out = new ArrayList<>();
        while (ids != null && ids.size() >= perUser) {
            out.add(ids.removeFirst());
        }
        return out;
    }

    synchronized void add(long userId, String sessionId) {
        byUser.computeIfAbsent(userId, k -> new ArrayDeque<>()).addLast(sessionId);
    }

    synchronized void remove(long userId, String sessionId) {
        Deque<String> ids = byUser.get(userId);
        if (ids != null) {
            ids.remove(sessionId);
            if (ids.isEmpty()) {
                byUser.remove(userId);
            }
        }
    }
}
