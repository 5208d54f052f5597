package io.rebound.testkit;

import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A relaxed JSON reader for compact test fixtures — bare words for keys and strings
 * ({@code {event:AddToCart,within_days:7}}), single-quoted strings for text with spaces — producing
 * the same tree types as Jackson (Map, List, String, Integer/Long/Double, Boolean).
 */
public final class MiniJson {
    private final String s;
    private int pos;

    private MiniJson(String s) {
        this.s = s;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String text) {
        MiniJson p = new MiniJson(text);
        Object v = p.value();
        p.skip();
        if (p.pos != text.length()) {
            throw new IllegalArgumentException("trailing text at " + p.pos);
        }
        return (Map<String, Object>) v;
    }

    /** The segment definition written compactly as {@code compact}, named {@code name}. */
    public static SegmentDefinition segment(String name, String compact) {
        Map<String, Object> json = parse(compact);
        json.put("name", name);
        return SegmentDefinitions.parse(json);
    }

    private void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private void expect(char c) {
        skip();
        if (pos >= s.length() || s.charAt(pos) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + pos + " in " + s);
        }
        pos++;
    }

    private boolean at(char c) {
        skip();
        return pos < s.length() && s.charAt(pos) == c;
    }

    private Object value() {
        skip();
        char c = s.charAt(pos);
        if (c == '{') {
            pos++;
            Map<String, Object> m = new LinkedHashMap<>();
            while (!at('}')) {
                String key = String.valueOf(value());
                expect(':');
                m.put(key, value());
                if (at(',')) {
                    pos++;
                }
            }
            pos++;
            return m;
        }
        if (c == '[') {
            pos++;
            List<Object> l = new ArrayList<>();
            while (!at(']')) {
                l.add(value());
                if (at(',')) {
                    pos++;
                }
            }
            pos++;
            return l;
        }
        if (c == '\'' || c == '"') {
            int end = s.indexOf(c, pos + 1);
            String text = s.substring(pos + 1, end);
            pos = end + 1;
            return text;
        }
        int start = pos;
        while (pos < s.length() && ",:]}".indexOf(s.charAt(pos)) < 0 && !Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        String word = s.substring(start, pos);
        if (word.equals("true") || word.equals("false")) {
            return Boolean.valueOf(word);
        }
        if (word.equals("null")) {
            return null;
        }
        if (word.matches("-?\\d+")) {
            long l = Long.parseLong(word);
            return l == (int) l ? (Object) (int) l : (Object) l;
        }
        if (word.matches("-?\\d+\\.\\d+([eE][-+]?\\d+)?")) {
            return Double.valueOf(word);
        }
        return word;
    }
}
