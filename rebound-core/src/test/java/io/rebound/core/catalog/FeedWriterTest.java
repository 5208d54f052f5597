package io.rebound.core.catalog;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FeedWriterTest {
    private static final FeedWriter.FeedInfo INFO =
            new FeedWriter.FeedInfo("Demo & Co <shop>", "https://rebound.example/feeds/st_1/google.xml", "catalog");

    private static CatalogProduct full() {
        return CatalogProductTest.yogaMat().title("Mat \"Pro\" <6mm> & strap, blue")
                .description("Line one,\r\nline \"two\"").salePrice(new BigDecimal("29.5"))
                .additionalImageLinks(List.of("https://cdn.shop.example/a.jpg?w=1&h=2", "https://cdn.shop.example/b.jpg"))
                .brand("Zen").gtin("4006381333931").mpn("ZM-6").googleProductCategory("Sporting Goods > Yoga")
                .productType("Yoga > Mats").itemGroupId("mat").availability(Availability.BACKORDER)
                .condition(Condition.REFURBISHED).cost(new BigDecimal("12")).inventory(7L).build();
    }

    private static CatalogProduct minimal() {
        return CatalogProduct.builder("block-1").title("Yoga block").description("Cork.")
                .link("https://shop.example/block").imageLink("https://shop.example/block.jpg")
                .price(new BigDecimal("1500"), "JPY").availability(Availability.OUT_OF_STOCK).build();
    }

    private static String write(FeedPlatform platform, CatalogProduct... products) {
        FeedWriter w = platform.writer();
        StringBuilder out = new StringBuilder();
        w.begin(INFO, out);
        for (CatalogProduct p : products) {
            w.item(p, out);
        }
        w.end(out);
        return out.toString();
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> g(Element item, String name) {
        NodeList nodes = item.getElementsByTagNameNS(RssFeedWriter.NAMESPACE, name);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent());
        }
        return out;
    }

    @Test
    void googleFeedParsesBackFieldByField() throws Exception {
        Document doc = parse(write(FeedPlatform.GOOGLE, full(), minimal()));
        assertThat(doc.getDocumentElement().getAttribute("version")).isEqualTo("2.0");
        assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("Demo & Co <shop>");
        NodeList items = doc.getElementsByTagName("item");
        assertThat(items.getLength()).isEqualTo(2);
        Element a = (Element) items.item(0);
        assertThat(g(a, "id")).containsExactly("mat-42");
        assertThat(g(a, "title")).containsExactly("Mat \"Pro\" <6mm> & strap, blue");
        assertThat(g(a, "description")).containsExactly("Line one,\r\nline \"two\"");
        assertThat(g(a, "link")).containsExactly("https://shop.example/products/mat-42");
        assertThat(g(a, "image_link")).containsExactly("https://cdn.shop.example/mat-42.jpg");
        assertThat(g(a, "additional_image_link"))
                .containsExactly("https://cdn.shop.example/a.jpg?w=1&h=2", "https://cdn.shop.example/b.jpg");
        assertThat(g(a, "availability")).containsExactly("backorder");
        assertThat(g(a, "price")).containsExactly("39.90 USD");
        assertThat(g(a, "sale_price")).containsExactly("29.50 USD");
        assertThat(g(a, "condition")).containsExactly("refurbished");
        assertThat(g(a, "brand")).containsExactly("Zen");
        assertThat(g(a, "gtin")).containsExactly("4006381333931");
        assertThat(g(a, "mpn")).containsExactly("ZM-6");
        assertThat(g(a, "google_product_category")).containsExactly("Sporting Goods > Yoga");
        assertThat(g(a, "product_type")).containsExactly("Yoga > Mats");
        assertThat(g(a, "item_group_id")).containsExactly("mat");
        assertThat(g(a, "cost")).isEmpty();
        assertThat(g(a, "inventory")).isEmpty();
        Element b = (Element) items.item(1);
        assertThat(g(b, "price")).containsExactly("1500 JPY");
        assertThat(g(b, "availability")).containsExactly("out_of_stock");
        assertThat(g(b, "condition")).containsExactly("new");
        assertThat(g(b, "sale_price")).isEmpty();
        assertThat(g(b, "brand")).isEmpty();
    }

    @Test
    void pinterestAndTiktokSpellAvailabilityTheirWay() throws Exception {
        Element pin = (Element) parse(write(FeedPlatform.PINTEREST, full())).getElementsByTagName("item").item(0);
        assertThat(g(pin, "availability")).containsExactly("preorder");
        Element tt = (Element) parse(write(FeedPlatform.TIKTOK, minimal())).getElementsByTagName("item").item(0);
        assertThat(g(tt, "availability")).containsExactly("out_of_stock");
        assertThat(FeedPlatform.PINTEREST.availability(Availability.IN_STOCK)).isEqualTo("in stock");
    }

    @Test
    void metaCsvParsesBackFieldByField() {
        String csv = write(FeedPlatform.META, full(), minimal());
        List<List<String>> rows = Rfc4180.parse(csv);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).containsExactly("id", "title", "description", "availability", "condition", "price",
                "link", "image_link", "brand", "sale_price", "additional_image_link", "google_product_category",
                "product_type", "gtin", "mpn", "item_group_id");
        assertThat(rows.get(1)).containsExactly("mat-42", "Mat \"Pro\" <6mm> & strap, blue", "Line one,\r\nline \"two\"",
                "available for order", "refurbished", "39.90 USD", "https://shop.example/products/mat-42",
                "https://cdn.shop.example/mat-42.jpg", "Zen", "29.50 USD",
                "https://cdn.shop.example/a.jpg?w=1&h=2,https://cdn.shop.example/b.jpg", "Sporting Goods > Yoga",
                "Yoga > Mats", "4006381333931", "ZM-6", "mat");
        assertThat(rows.get(2)).containsExactly("block-1", "Yoga block", "Cork.", "out of stock", "new", "1500 JPY",
                "https://shop.example/block", "https://shop.example/block.jpg", "", "", "", "", "", "", "", "");
        assertThat(FeedPlatform.META.writer().contentType()).startsWith("text/csv");
    }

    @Test
    void feedFilesAreNamedPerPlatform() {
        assertThat(FeedPlatform.byFileName("google.xml")).contains(FeedPlatform.GOOGLE);
        assertThat(FeedPlatform.byFileName("meta.csv")).contains(FeedPlatform.META);
        assertThat(FeedPlatform.byFileName("meta.xml")).isEmpty();
        assertThat(FeedPlatform.byFileName("../etc")).isEmpty();
    }

    /** A strict RFC 4180 reader, independent of the writer under test. */
    static final class Rfc4180 {
        static List<List<String>> parse(String s) {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"' && cell.isEmpty()) {
                    i++;
                    while (true) {
                        char q = s.charAt(i++);
                        if (q == '"') {
                            if (i < s.length() && s.charAt(i) == '"') {
                                cell.append('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            cell.append(q);
                        }
                    }
                } else if (c == ',') {
                    row.add(cell.toString());
                    cell.setLength(0);
                    i++;
                } else if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    row.add(cell.toString());
                    cell.setLength(0);
                    rows.add(row);
                    row = new ArrayList<>();
                    i += 2;
                } else {
                    cell.append(c);
                    i++;
                }
            }
            return rows;
        }
    }
}
