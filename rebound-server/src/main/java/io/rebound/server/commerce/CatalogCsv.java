package io.rebound.server.commerce;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.event.Violation;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A catalog as a CSV file (docs/catalog.md, "CSV upload"): a header row of the API's field names, one
 * product per row. Read with Apache Commons CSV (RFC 4180 quoting; CRLF or LF line ends; a leading
 * byte-order mark, as spreadsheets write, is skipped). Each row becomes the JSON object the API reads
 * and goes through {@link ProductJson#parse}, so a row obeys exactly the rules of a JSON product; a
 * problem is reported by row (the header is row 1, as a spreadsheet numbers it) and column, and the
 * other rows are still good.
 *
 * <p>What makes the file itself unusable (no header, an unknown or repeated column, a required column
 * missing, broken quoting, more than the allowed rows) is a {@link BadFile}, and nothing is kept.
 */
public final class CatalogCsv {
    /** Product rows one file may hold. */
    public static final int MAX_ROWS = 10_000;
    static final Set<String> REQUIRED = Set.of("id", "title", "description", "link", "image_link", "price",
            "currency", "availability");
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true).setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
            .setAllowMissingColumnNames(false).get();

    private CatalogCsv() {
    }

    /**
     * A problem with one cell (or a whole row when {@code column} is null).
     *
     * @param row     the row's number, the header being row 1
     * @param column  the column's name, or null for the row as a whole
     * @param message what is wrong and what was expected
     */
    public record RowError(long row, String column, String message) {
    }

    /**
     * A good row.
     *
     * @param row     the row's number
     * @param product its product
     */
    public record Row(long row, CatalogProduct product) {
    }

    /**
     * What a file held.
     *
     * @param products the good rows, in file order, each id once
     * @param errors   the bad rows' problems, in file order
     * @param rows     product rows read, good and bad
     */
    public record Parsed(List<Row> products, List<RowError> errors, long rows) {
        /** Rows with at least one problem. */
        public long rejected() {
            return rows - products.size();
        }
    }

    /** The file cannot be read as a catalog: a 400 naming {@code field} ({@code header}, {@code body}). */
    public static final class BadFile extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String field;

        BadFile(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** Reads a catalog file of at most {@code maxRows} product rows. */
    public static Parsed parse(Reader in, int maxRows) {
        try (CSVParser parser = CSVParser.parse(skipBom(in), FORMAT)) {
            List<String> header = header(parser.getHeaderNames());
            List<Row> products = new ArrayList<>();
            List<RowError> errors = new ArrayList<>();
            Map<String, Long> firstRow = new HashMap<>();
            long rows = 0;
            for (CSVRecord record : parser) {
                rows++;
                if (rows > maxRows) {
                    throw new BadFile("body", "a file may hold at most " + maxRows + " product rows: split it");
                }
                long row = rows + 1;
                if (record.size() != header.size()) {
                    errors.add(new RowError(row, null, "has " + record.size() + " cells, the header has " + header.size()));
                    continue;
                }
                ProductJson.Parsed p = ProductJson.parse(object(header, record), "", null);
                if (p.product() == null) {
                    for (Violation v : p.violations()) {
                        String field = v.field();
                        int bracket = field.indexOf('[');
                        errors.add(new RowError(row, bracket < 0 ? field : field.substring(0, bracket), v.message()));
                    }
                    continue;
                }
                Long first = firstRow.putIfAbsent(p.product().id(), row);
                if (first != null) {
                    errors.add(new RowError(row, "id", "'" + p.product().id() + "' is on row " + first + " already"));
                    continue;
                }
                products.add(new Row(row, p.product()));
            }
            return new Parsed(products, errors, rows);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Commons CSV: a repeated or blank column name (IllegalArgumentException), broken quoting
            // (IllegalStateException around the IOException)
            throw new BadFile(e instanceof IllegalArgumentException ? "header" : "body", "not a readable CSV file: "
                    + shorten(e.getMessage()));
        } catch (UncheckedIOException e) {
            throw new BadFile("body", "not a readable CSV file: " + shorten(e.getCause().getMessage()));
        } catch (IOException e) {
            throw new BadFile("body", "not a readable CSV file: " + shorten(e.getMessage()));
        }
    }

    /**
     * Stores the file's good rows (the bad ones were never products), through the batch path of the API
     * in batches of {@link CatalogApi#MAX_BATCH}, each one transaction.
     */
    public static JdbcCatalog.Written keep(JdbcCatalog catalog, String storeId, Parsed parsed) {
        int created = 0;
        int updated = 0;
        List<Row> rows = parsed.products();
        for (int from = 0; from < rows.size(); from += CatalogApi.MAX_BATCH) {
            JdbcCatalog.Written w = catalog.upsertAll(storeId, rows.subList(from, Math.min(rows.size(),
                    from + CatalogApi.MAX_BATCH)).stream().map(Row::product).toList());
            created += w.created();
            updated += w.updated();
        }
        return new JdbcCatalog.Written(created, updated);
    }

    private static List<String> header(List<String> names) {
        if (names.isEmpty()) {
            throw new BadFile("header", "the first row must name the columns: " + String.join(",", REQUIRED.stream()
                    .sorted().toList()) + " and any optional field (docs/catalog.md)");
        }
        List<String> header = new ArrayList<>(names.size());
        for (String n : names) {
            String name = n.strip().toLowerCase(Locale.ROOT);
            if (!ProductJson.FIELDS.contains(name)) {
                throw new BadFile("header", "column '" + shorten(n) + "' is not a product field; the fields are "
                        + String.join(", ", new TreeSet<>(ProductJson.FIELDS)));
            }
            header.add(name);
        }
        TreeSet<String> missing = new TreeSet<>(REQUIRED);
        header.forEach(missing::remove);
        if (!missing.isEmpty()) {
            throw new BadFile("header", "required columns missing: " + String.join(", ", missing));
        }
        return header;
    }

    /** The row as the JSON object the API reads; a blank cell is a missing field. */
    private static ObjectNode object(List<String> header, CSVRecord record) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i);
            String value = record.get(i);
            if (value.isBlank()) {
                continue;
            }
            switch (name) {
                case "additional_image_links" -> {
                    ArrayNode links = o.putArray(name);
                    for (String link : value.split(",")) {
                        if (!link.isBlank()) {
                            links.add(link.strip());
                        }
                    }
                }
                case "inventory" -> {
                    String v = value.strip();
                    if (v.matches("-?[0-9]{1,18}")) {
                        o.put(name, Long.parseLong(v));
                    } else {
                        o.put(name, v);
                    }
                }
                default -> o.put(name, value);
            }
        }
        return o;
    }

    private static Reader skipBom(Reader in) throws IOException {
        java.io.PushbackReader r = new java.io.PushbackReader(in, 1);
        int first = r.read();
        if (first != -1 && first != '\uFEFF') {
            r.unread(first);
        }
        return r;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
