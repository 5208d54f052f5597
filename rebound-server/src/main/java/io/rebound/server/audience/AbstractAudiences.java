package io.rebound.server.audience;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * What both runtimes of the audiences port share: the erasure listeners ({@link #onErasure},
 * {@link #onPersonErased}), told by the runtime's {@link #erase} through {@link #idsErased} and
 * {@link #personErased}.
 */
public abstract class AbstractAudiences implements Audiences {
    private final List<BiConsumer<String, Set<String>>> erasureListeners = new CopyOnWriteArrayList<>();
    private final List<PersonErasureListener> personErasureListeners = new CopyOnWriteArrayList<>();

    @Override
    public void onErasure(BiConsumer<String, Set<String>> listener) {
        erasureListeners.add(listener);
    }

    @Override
    public void onPersonErased(PersonErasureListener listener) {
        personErasureListeners.add(listener);
    }

    /** Tells the {@link #onErasure} listeners that every id of a person ({@code ids}) was erased. */
    protected final void idsErased(String storeId, Set<String> ids) {
        erasureListeners.forEach(l -> l.accept(storeId, ids));
    }

    /** Tells the {@link #onPersonErased} listeners that a known person was erased. */
    protected final void personErased(String storeId, String personId, Set<String> emailHashes) {
        personErasureListeners.forEach(l -> l.erased(storeId, personId, emailHashes));
    }
}
