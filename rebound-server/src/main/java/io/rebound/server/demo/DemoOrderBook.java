package io.rebound.server.demo;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** In-memory orders of the demo shop, bounded so a long-running demo cannot grow without limit. */
final class DemoOrderBook {

    private static final char[] ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789".toCharArray();
    private static final int MAX_QUANTITY = 99;

    private final int capacity;
    private final Map<String, DemoOrder> byId = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
    private final SecureRandom random = new SecureRandom();

    DemoOrderBook(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Places an order priced from the catalog.
     *
     * @throws IllegalArgumentException naming the field at fault
     */
    DemoOrder place(DemoCatalog catalog, String email, Map<String, Integer> items) {
        String mail = email == null ? "" : email.trim();
        int at = mail.indexOf('@');
        if (at < 1 || at == mail.length() - 1 || mail.length() > 254) {
            throw new IllegalArgumentException("email: expected an address like jane@example.com");
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("items: the cart is empty");
        }
        List<DemoOrder.Line> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<String, Integer> item : items.entrySet()) {
            DemoProduct p = catalog.find(item.getKey()).orElseThrow(
                    () -> new IllegalArgumentException("items: unknown product id '" + item.getKey() + "'"));
            int quantity = item.getValue() == null ? 1 : item.getValue();
            if (quantity < 1 || quantity > MAX_QUANTITY) {
                throw new IllegalArgumentException("items: quantity of '" + p.id() + "' must be 1.." + MAX_QUANTITY);
            }
            DemoOrder.Line line = new DemoOrder.Line(p, quantity);
            lines.add(line);
            total = total.add(line.total());
        }
        DemoOrder placed = new DemoOrder(newId(), lines, total, DemoCatalog.CURRENCY,
                mail.charAt(0) + "***" + mail.substring(at).toLowerCase(java.util.Locale.ROOT), Instant.now());
        byId.put(placed.id(), placed);
        order.add(placed.id());
        while (byId.size() > capacity) {
            String oldest = order.poll();
            if (oldest == null) {
                break;
            }
            byId.remove(oldest);
        }
        return placed;
    }

    Optional<DemoOrder> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    private String newId() {
        StringBuilder sb = new StringBuilder("ord_");
        for (int i = 0; i < 10; i++) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }
}
