package io.rebound.destinations.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.Product;

import java.util.List;

/** An event's product lines as the platforms' event bodies carry them. */
public final class Products {

    private Products() {
    }

    /** The products' ids, in order. */
    public static ArrayNode ids(List<Product> products) {
        return Json.strings(products.stream().map(Product::id).toList());
    }

    /** How many items the lines hold together. */
    public static int items(List<Product> products) {
        return products.stream().mapToInt(Product::quantity).sum();
    }

    /** Adds to {@code contents} one object per line: its id under {@code idField}, its quantity, and its price when known under {@code priceField}. */
    public static void contents(ArrayNode contents, List<Product> products, String idField, String priceField) {
        for (Product p : products) {
            ObjectNode c = contents.addObject();
            c.put(idField, p.id());
            c.put("quantity", p.quantity());
            if (p.price() != null) {
                c.put(priceField, p.price());
            }
        }
    }
}
