package io.rebound.server.http;

/** HTML text and attribute values built outside the Pebble templates (which escape on their own). */
public final class Html {
    private Html() {
    }

    /** {@code s} with {@code < > & " '} as entities, safe in element text and quoted attributes; null is "". */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
