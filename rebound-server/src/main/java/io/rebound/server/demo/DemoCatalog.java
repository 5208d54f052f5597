package io.rebound.server.demo;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo store's catalog: a small yoga-equipment shop in USD. The yoga mat ($68), yoga block
 * and carry strap are the products the product brief's examples use (a mat buyer is shown the
 * block and the strap), so they keep those ids.
 */
public final class DemoCatalog {

    /** The shop's currency. */
    public static final String CURRENCY = "USD";

    /** Category slug → display name, in menu order. */
    private static final Map<String, String> CATEGORIES = new LinkedHashMap<>();

    static {
        CATEGORIES.put("mats", "Mats");
        CATEGORIES.put("props", "Props");
        CATEGORIES.put("apparel", "Apparel");
        CATEGORIES.put("accessories", "Accessories");
    }

    private final Map<String, DemoProduct> products = new LinkedHashMap<>();

    private DemoCatalog(List<DemoProduct> list) {
        for (DemoProduct p : list) {
            if (!CATEGORIES.containsKey(p.category())) {
                throw new IllegalArgumentException("unknown category " + p.category() + " for " + p.id());
            }
            if (products.putIfAbsent(p.id(), p) != null) {
                throw new IllegalArgumentException("duplicate product id " + p.id());
            }
        }
    }

    /** The standard demo catalog, as {@link #yogaShop()}. */
    public DemoCatalog() {
        this(YOGA_SHOP);
    }

    /** The standard demo catalog (23 products in four categories). */
    public static DemoCatalog yogaShop() {
        return new DemoCatalog();
    }

    private static final List<DemoProduct> YOGA_SHOP = List.of(
                p("yoga-mat", "Everyday Yoga Mat", "mats", "68.00", "#2f7d6d", "A 5 mm natural-rubber mat with a grippy top layer.", "yoga-block", "carry-strap"),
                p("travel-mat", "Travel Yoga Mat", "mats", "54.00", "#3c6e9e", "A foldable 1.5 mm mat that fits in a carry-on.", "carry-strap", "mat-cleaner"),
                p("cork-mat", "Cork Yoga Mat", "mats", "89.00", "#a8743f", "Natural cork on a rubber base, grippier when you sweat.", "cork-block", "carry-strap"),
                p("kids-mat", "Kids Yoga Mat", "mats", "32.00", "#e0803a", "A light, colourful mat for small yogis.", "foam-block"),
                p("thick-mat", "Extra Thick Mat", "mats", "76.00", "#6b4fa0", "12 mm of cushioning for knees and restorative practice.", "yoga-bolster", "mat-bag"),
                p("yoga-block", "Foam Yoga Block", "props", "18.00", "#7a9e3c", "A firm, light EVA foam block.", "yoga-strap", "yoga-mat"),
                p("cork-block", "Cork Yoga Block", "props", "24.00", "#b88a4a", "A dense cork block that will not slide.", "yoga-strap", "cork-mat"),
                p("foam-block", "Foam Block Pair", "props", "28.00", "#5aa0a8", "Two soft blocks for support in seated poses.", "yoga-strap"),
                p("yoga-strap", "Cotton Yoga Strap", "props", "14.00", "#c2576a", "An 8 ft strap with a metal D-ring buckle.", "yoga-block"),
                p("yoga-bolster", "Rectangular Bolster", "props", "62.00", "#4a6fa5", "Buckwheat-filled bolster for restorative yoga.", "meditation-cushion", "yoga-blanket"),
                p("meditation-cushion", "Meditation Cushion", "props", "49.00", "#8e5a9e", "A zafu filled with buckwheat hulls.", "yoga-blanket"),
                p("yoga-wheel", "Yoga Wheel", "props", "39.00", "#2e8bb5", "A 12 in wheel for back bends and balance.", "yoga-mat"),
                p("yoga-blanket", "Woven Yoga Blanket", "props", "36.00", "#b5523b", "A heavy cotton blanket for padding and warmth.", "yoga-bolster"),
                p("leggings", "High-Waist Leggings", "apparel", "58.00", "#36454f", "Squat-proof leggings with a hidden pocket.", "sports-bra", "yoga-mat"),
                p("sports-bra", "Flow Sports Bra", "apparel", "38.00", "#d06a8c", "Medium support with removable pads.", "leggings"),
                p("yoga-shorts", "Breathable Shorts", "apparel", "34.00", "#4f7c5a", "Lightweight shorts for hot yoga.", "tank-top"),
                p("tank-top", "Relaxed Tank Top", "apparel", "29.00", "#e3a33b", "A loose organic-cotton tank.", "yoga-shorts", "leggings"),
                p("grip-socks", "Grip Socks", "apparel", "15.00", "#9b3d5a", "Non-slip socks for studio floors.", "yoga-mat"),
                p("carry-strap", "Mat Carry Strap", "accessories", "16.00", "#6d8c3a", "An adjustable strap to carry your rolled mat.", "yoga-mat"),
                p("mat-bag", "Yoga Mat Bag", "accessories", "42.00", "#3b5e7a", "A canvas bag with room for a mat and a towel.", "yoga-mat", "yoga-towel"),
                p("yoga-towel", "Microfibre Yoga Towel", "accessories", "26.00", "#2a9d8f", "A full-length towel that grips when wet.", "mat-cleaner"),
                p("mat-cleaner", "Mat Cleaning Spray", "accessories", "12.00", "#7fb069", "Tea-tree and lavender spray for mats.", "yoga-towel"),
                p("water-bottle", "Insulated Water Bottle", "accessories", "22.00", "#457b9d", "Keeps water cold for 24 hours.", "yoga-towel"));

    private static DemoProduct p(String id, String name, String category, String price, String color,
                                 String description, String... complements) {
        return new DemoProduct(id, name, category, new BigDecimal(price), color, description, List.of(complements));
    }

    /** All products, in catalog order. */
    public List<DemoProduct> products() {
        return List.copyOf(products.values());
    }

    /** The product with this id, if any. */
    public Optional<DemoProduct> find(String id) {
        return Optional.ofNullable(id == null ? null : products.get(id));
    }

    /** Category slug → display name, in menu order. */
    public Map<String, String> categories() {
        return Collections.unmodifiableMap(CATEGORIES);
    }

    /** The products of one category, in catalog order. */
    public List<DemoProduct> inCategory(String category) {
        return products.values().stream().filter(p -> p.category().equals(category)).toList();
    }

    /** Products that go with {@code id}, resolved against this catalog. */
    public List<DemoProduct> complementsOf(String id) {
        return find(id).map(p -> p.complements().stream().map(this::find).flatMap(Optional::stream).toList())
                .orElse(List.of());
    }
}
