package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state every platform's contract server keeps: its customer lists (by id, each the identifiers
 * it holds), the events it took, and the ids it hands out.
 */
public abstract class PlatformContractServer extends ContractServer {

    /** Each list's identifiers, by list id (Meta and TikTok call a list an audience). */
    protected final Map<String, Set<String>> lists = new LinkedHashMap<>();
    /** The events taken, in order. */
    protected final List<JsonNode> events = new ArrayList<>();
    private int nextId;

    /** @param firstId the first id handed out, as the platform's ids look */
    protected PlatformContractServer(int firstId) {
        this.nextId = firstId;
    }

    /** The identifiers a list holds now: hashes (and, on Google, addresses as {@code given|family|REGION|postal}). */
    public synchronized Set<String> members(String listId) {
        return Set.copyOf(lists.getOrDefault(listId, Set.of()));
    }

    /**
     * Changes a list behind Rebound's back — drift, as a platform that lost an addition or never applied a
     * removal would show it: {@code add} appear in the list, {@code drop} vanish from it.
     */
    public synchronized void drift(String listId, Set<String> add, Set<String> drop) {
        Set<String> members = lists.get(listId);
        members.addAll(add);
        members.removeAll(drop);
    }

    /** A list that exists on the platform already (for linking). */
    public synchronized String createExisting() {
        return newList(new HashSet<>());
    }

    /** How many events it took, without copying them. */
    public synchronized int eventCount() {
        return events.size();
    }

    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** The next id. */
    protected final String newId() {
        return String.valueOf(nextId++);
    }

    /** A new list holding {@code members}; its id. */
    protected final String newList(Set<String> members) {
        String id = newId();
        lists.put(id, members);
        return id;
    }
}
