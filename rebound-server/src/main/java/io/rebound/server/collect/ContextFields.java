package io.rebound.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.core.event.ClickIds;
import io.rebound.core.event.Consent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the attribution and consent parts of a message's {@code context}. */
final class ContextFields {

    static final Set<String> UTM_KEYS = Set.of("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content");
    private static final List<String> CAMPAIGN_FIELDS = List.of("source", "medium", "name", "term", "content");
    private static final List<String> CAMPAIGN_UTM_KEYS = List.of("utm_source", "utm_medium", "utm_campaign", "utm_term",
            "utm_content");
    private static final List<String> CONSENT_SIGNALS = List.of("ad_storage", "ad_user_data", "ad_personalization",
            "analytics_storage");

    private ContextFields() {
    }

    /** {@code context.campaign} as utm_* keys; else the utm_* parameters of the page URL. */
    static Map<String, String> campaign(Fields f, ObjectNode context, String pageUrl) {
        Map<String, String> utm = new LinkedHashMap<>();
        ObjectNode campaign = f.object(context, "campaign", "context.campaign");
        for (int i = 0; campaign != null && i < CAMPAIGN_FIELDS.size(); i++) {
            String key = CAMPAIGN_FIELDS.get(i);
            String v = f.clipped(campaign, key, "context.campaign." + key, 200);
            if (v != null) {
                utm.put(CAMPAIGN_UTM_KEYS.get(i), v);
            }
        }
        if (utm.isEmpty() && pageUrl != null && pageUrl.contains("utm_")) {
            utm.putAll(UrlParams.pick(pageUrl, UTM_KEYS));
        }
        return utm;
    }

    /**
     * {@code context.clickIds} ({@link ClickIds#KEYS}; other keys are ignored, as unknown fields are),
     * completed with the click-id parameters of the page URL. A value sent that {@link ClickIds} refuses
     * is a violation naming {@code context.clickIds.<key>}; a URL parameter it refuses is left out, since
     * the sender did not choose it.
     */
    static Map<String, String> clickIds(Fields f, ObjectNode context, String pageUrl) {
        Map<String, String> ids = new LinkedHashMap<>();
        ObjectNode sent = f.object(context, "clickIds", "context.clickIds");
        for (int i = 0; sent != null && i < ClickIds.KEYS.size(); i++) {
            String key = ClickIds.KEYS.get(i);
            String path = "context.clickIds." + key;
            String v = f.text(sent, key, path, ClickIds.MAX_LENGTH);
            String problem = v == null ? null : ClickIds.problem(key, v);
            if (problem != null) {
                f.add(path, problem);
            } else {
                MessageParser.putIfPresent(ids, key, v);
            }
        }
        if (pageUrl != null && pageUrl.indexOf('?') >= 0) {
            UrlParams.pick(pageUrl, ClickIds.URL_PARAMETERS).forEach((k, v) -> {
                if (ClickIds.problem(k, v) == null) {
                    ids.putIfAbsent(k, v);
                }
            });
        }
        return ids;
    }

    /** Google Consent Mode v2 signals ("granted"/"denied", booleans accepted) and GPC from header or context. */
    static Consent consent(Fields f, ObjectNode context, RequestInfo request) {
        ObjectNode node = f.object(context, "consent", "context.consent");
        Boolean[] signals = new Boolean[CONSENT_SIGNALS.size()];
        for (int i = 0; i < signals.length; i++) {
            String key = CONSENT_SIGNALS.get(i);
            JsonNode n = Fields.get(node, key);
            if (n == null) {
                continue;
            }
            if (n.isBoolean()) {
                signals[i] = n.booleanValue();
            } else if (n.isTextual() && n.textValue().equalsIgnoreCase("granted")) {
                signals[i] = Boolean.TRUE;
            } else if (n.isTextual() && n.textValue().equalsIgnoreCase("denied")) {
                signals[i] = Boolean.FALSE;
            } else {
                f.add("context.consent." + key, "must be \"granted\" or \"denied\"");
            }
        }
        Boolean gpc = f.bool(context, "gpc", "context.gpc");
        return new Consent(signals[0], signals[1], signals[2], signals[3],
                request.globalPrivacyControl() || Boolean.TRUE.equals(gpc));
    }
}
