package io.rebound.server.demo;

import io.rebound.server.http.ClasspathResources;
import io.rebound.server.http.OpsRoutes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PixelScriptTest {

    @Test
    void pixelIsUnderSixKilobytesAsServed() {
        assertThat(OpsRoutes.pixelScript()).hasSizeLessThan(6144);
    }

    @Test
    void theServedPixelDropsOnlyWholeLineCommentsOfTheSource() {
        String source = new String(ClasspathResources.read("web/pixel.js"), StandardCharsets.UTF_8);
        String served = new String(OpsRoutes.pixelScript(), StandardCharsets.UTF_8);
        assertThat(source).contains("\n// ");
        assertThat(served).doesNotContain("\n// ").startsWith("/*! Rebound pixel")
                .isEqualTo(source.lines().filter(l -> !l.stripLeading().startsWith("//"))
                        .collect(java.util.stream.Collectors.joining("\n")) + (source.endsWith("\n") ? "\n" : ""));
    }

    @Test
    void pixelPostsTextPlainToCollectAndNeverSendsAClearEmailField() {
        String js = new String(ClasspathResources.read("web/pixel.js"), StandardCharsets.UTF_8);
        assertThat(js).contains("/v1/collect", "sendBeacon", "keepalive", "_rb_aid", "globalPrivacyControl",
                "email_sha256", "consentRequired");
        assertThat(js).doesNotContain("traits.email=", "x.email=", "console.");
    }

    @Test
    void snippetLoadsThePixelQueuesCallsAndHasANoscriptGif() {
        String html = InstallSnippet.html("https://rebound.example.com/", "wk_abc123");
        assertThat(html)
                .contains("'https://rebound.example.com/pixel.js'")
                .contains("r.q.push(arguments)")
                .contains("rebound('init','wk_abc123');")
                .contains("<noscript><img src=\"https://rebound.example.com/v1/collect.gif?k=wk_abc123&amp;e=PageView\""
                        + " width=\"1\" height=\"1\" style=\"display:none\" alt=\"\"></noscript>");
    }

    @Test
    void anEmptyBaseUrlGivesSameOriginPaths() {
        assertThat(InstallSnippet.html("", "wk_abc123"))
                .contains("(window,document,'/pixel.js');")
                .contains("<img src=\"/v1/collect.gif?k=wk_abc123&amp;e=PageView\"");
    }

    @Test
    void snippetRefusesValuesThatWouldBreakOutOfHtmlOrJs() {
        assertThatThrownBy(() -> InstallSnippet.html("https://x.example", "wk_'); alert(1);//"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeKey");
        assertThatThrownBy(() -> InstallSnippet.html("javascript:alert(1)", "wk_abc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseUrl");
        assertThatThrownBy(() -> InstallSnippet.html("https://x.example/\"><script>", "wk_abc"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
