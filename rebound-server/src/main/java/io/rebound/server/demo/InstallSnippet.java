package io.rebound.server.demo;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The copy-paste install snippet for a store's pages: an async loader stub that queues calls
 * made before {@code pixel.js} arrives (the same pattern as Meta's {@code fbq}), the
 * {@code init} call with the store's public write key, and a {@code <noscript>} 1×1 GIF.
 * The demo shop and the dashboard both print exactly this text, so what a store owner copies
 * is what the browser test exercises.
 */
public final class InstallSnippet {

    private static final Pattern WRITE_KEY = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Pattern SAFE_URL = Pattern.compile("https?://[A-Za-z0-9.\\-:\\[\\]]+(/[A-Za-z0-9._~/-]*)?");

    private InstallSnippet() {
    }

    /**
     * The snippet for a Rebound server at {@code baseUrl} (e.g. {@code https://rebound.example.com})
     * and a store's public write key. An empty {@code baseUrl} gives same-origin paths
     * ({@code /pixel.js}), for pages served by Rebound itself such as the demo shop.
     *
     * @throws IllegalArgumentException if the URL is not a plain http(s) URL or the key has characters
     *                                  outside {@code [A-Za-z0-9_-]} (both are pasted into HTML and JS)
     */
    public static String html(String baseUrl, String writeKey) {
        String base = normaliseBase(baseUrl);
        if (writeKey == null || !WRITE_KEY.matcher(writeKey).matches()) {
            throw new IllegalArgumentException("writeKey must match [A-Za-z0-9_-]{1,128}, was: " + writeKey);
        }
        return """
                <!-- Rebound pixel -->
                <script>
                !function(w,d,u,r,s,t){if(w.rebound)return;r=w.rebound=function(){r.q.push(arguments)};r.q=[];
                s=d.createElement('script');s.async=!0;s.src=u;t=d.getElementsByTagName('script')[0];
                t.parentNode.insertBefore(s,t)}(window,document,'%1$s/pixel.js');
                rebound('init','%2$s');
                </script>
                <noscript><img src="%1$s/v1/collect.gif?k=%2$s&amp;e=PageView" width="1" height="1" style="display:none" alt=""></noscript>
                <!-- End Rebound pixel -->
                """.formatted(base, writeKey);
    }

    private static String normaliseBase(String baseUrl) {
        if (baseUrl == null) {
            throw new IllegalArgumentException("baseUrl is required");
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (base.isEmpty()) {
            return base;
        }
        if (!SAFE_URL.matcher(base).matches()) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL without query or fragment, was: " + baseUrl);
        }
        URI.create(base);
        return base;
    }
}
