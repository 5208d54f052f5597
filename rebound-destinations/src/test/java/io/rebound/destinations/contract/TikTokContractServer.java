package io.rebound.destinations.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rebound.destinations.internal.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.rebound.destinations.contract.Checks.require;

/**
 * TikTok's Business API as documented: {@code Access-Token} header; customer files uploaded as
 * multipart ({@code advertiser_id, calculate_type, file_signature} = MD5 of the file, {@code file}
 * with one 64-hex hash per line), audiences created or updated from uploaded file paths; Events API
 * batches of at most 1,000 events with hashed {@code email, phone, external_id}. Every answer is
 * {@code {"code", "message", "request_id", "data"}} with HTTP 200; failure is a non-zero code.
 */
public final class TikTokContractServer extends PlatformContractServer {

    private static final String PREFIX = "/open_api/v1.3";

    private final String token;
    private final String advertiserId;
    private final String pixelCode;
    private final Map<String, List<String>> files = new LinkedHashMap<>();
    private final Map<String, String> fileTypes = new LinkedHashMap<>();

    public TikTokContractServer(String token, String advertiserId, String pixelCode) {
        super(1700);
        this.token = token;
        this.advertiserId = advertiserId;
        this.pixelCode = pixelCode;
        start();
    }

    @Override
    protected synchronized Answer handle(Received r) {
        if (!token.equals(r.header("access-token"))) {
            return answer(40105, "The access token is invalid or has been revoked.", null);
        }
        require(r.method().equals("POST"), "TikTok's write endpoints take POST");
        return switch (r.path()) {
            case PREFIX + "/dmp/custom_audience/file/upload/" -> upload(r);
            case PREFIX + "/dmp/custom_audience/create/" -> create(r);
            case PREFIX + "/dmp/custom_audience/update/" -> update(r);
            case PREFIX + "/event/track/" -> track(r);
            default -> throw new ContractViolation("no such endpoint " + r.path());
        };
    }

    private Answer upload(Received r) {
        String ct = r.header("content-type");
        require(ct != null && ct.startsWith("multipart/form-data; boundary="), "file upload is multipart/form-data");
        Map<String, byte[]> parts = multipart(r.body(), ct.substring(ct.indexOf("boundary=") + 9));
        require(parts.keySet().equals(Set.of("advertiser_id", "calculate_type", "file_signature", "file")),
                "upload parts are advertiser_id, calculate_type, file_signature, file; got " + parts.keySet());
        require(advertiserId.equals(text(parts.get("advertiser_id"))), "unknown advertiser_id");
        String type = text(parts.get("calculate_type"));
        require(Set.of("EMAIL_SHA256", "PHONE_SHA256").contains(type), "calculate_type " + type);
        byte[] file = parts.get("file");
        String md5 = md5(file);
        require(md5.equals(text(parts.get("file_signature"))), "file_signature must be the file's MD5");
        List<String> lines = new ArrayList<>();
        for (String line : text(file).split("\n")) {
            require(Checks.isLowerHex64(line), "each file line is a SHA-256 in 64 lower-case hex, got '" + line + "'");
            lines.add(line);
        }
        require(lines.size() <= 10_000, "at most 10,000 rows per file (Rebound's bound)");
        String path = "dmp/" + advertiserId + "/" + md5 + ".csv";
        files.put(path, lines);
        fileTypes.put(path, type);
        ObjectNode data = Json.object();
        data.put("file_path", path);
        return answer(0, "OK", data);
    }

    private List<String> paths(JsonNode b) {
        JsonNode paths = b.path("file_paths");
        require(paths.isArray() && !paths.isEmpty(), "file_paths must be a non-empty array");
        List<String> out = new ArrayList<>();
        paths.forEach(p -> {
            require(files.containsKey(p.asText()), "unknown file path " + p);
            out.add(p.asText());
        });
        return out;
    }

    private Answer create(Received r) {
        requireJson(r);
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("advertiser_id", "custom_audience_name", "file_paths", "calculate_type",
                "retention_in_days", "audience_sub_type"));
        require(advertiserId.equals(b.path("advertiser_id").asText()), "unknown advertiser_id");
        Checks.text(b, "custom_audience_name", "body");
        String type = Checks.text(b, "calculate_type", "body");
        Set<String> members = new HashSet<>();
        for (String p : paths(b)) {
            require(type.equals(fileTypes.get(p)), "calculate_type must match the uploaded file's");
            members.addAll(files.get(p));
        }
        String id = newList(members);
        ObjectNode data = Json.object();
        data.put("custom_audience_id", id);
        return answer(0, "OK", data);
    }

    private Answer update(Received r) {
        requireJson(r);
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("advertiser_id", "custom_audience_id", "custom_audience_name", "file_paths", "action"));
        require(advertiserId.equals(b.path("advertiser_id").asText()), "unknown advertiser_id");
        String id = Checks.text(b, "custom_audience_id", "body");
        if (!lists.containsKey(id)) {
            return answer(40002, "custom_audience_id " + id + " does not exist.", null);
        }
        String action = Checks.text(b, "action", "body");
        require(Set.of("APPEND", "REMOVE", "REPLACE").contains(action), "action must be APPEND, REMOVE or REPLACE");
        Set<String> members = lists.get(id);
        List<String> paths = paths(b);
        if (action.equals("REPLACE")) {
            // TikTok documents REPLACE per update, not how several files of one replace combine: one file.
            require(paths.size() == 1, "a REPLACE names exactly one file, got " + paths.size());
            members.clear();
            members.addAll(files.get(paths.getFirst()));
        }
        for (String p : paths) {
            switch (action) {
                case "APPEND" -> members.addAll(files.get(p));
                case "REMOVE" -> files.get(p).forEach(members::remove);
                default -> {
                }
            }
        }
        return answer(0, "OK", Json.object());
    }

    private Answer track(Received r) {
        requireJson(r);
        JsonNode b = jsonBody(r);
        Checks.onlyFields(b, "body", Set.of("event_source", "event_source_id", "test_event_code", "data"));
        require("web".equals(b.path("event_source").asText()), "event_source must be web");
        require(pixelCode.equals(b.path("event_source_id").asText()), "unknown pixel code");
        JsonNode data = b.path("data");
        require(data.isArray() && !data.isEmpty() && data.size() <= 1_000, "data must hold 1 to 1,000 events");
        for (JsonNode e : data) {
            Checks.onlyFields(e, "event", Set.of("event", "event_time", "event_id", "user", "page", "properties", "limited_data_use"));
            Checks.text(e, "event", "event");
            Checks.integer(e, "event_time", "event");
            Checks.text(e, "event_id", "event");
            if (e.has("limited_data_use")) {
                require(e.get("limited_data_use").isBoolean(), "limited_data_use must be a boolean");
            }
            JsonNode u = e.path("user");
            Checks.onlyFields(u, "user", Set.of("email", "phone", "external_id", "ttclid", "ttp", "ip", "user_agent", "locale"));
            for (String f : List.of("email", "phone", "external_id")) {
                if (u.has(f)) {
                    Checks.hash(u.get(f), "user." + f);
                }
            }
            if (e.has("page")) {
                Checks.onlyFields(e.get("page"), "page", Set.of("url", "referrer"));
            }
            if (e.has("properties")) {
                Checks.onlyFields(e.get("properties"), "properties", Set.of("contents", "content_type", "value", "currency",
                        "query", "description", "order_id"));
            }
        }
        data.forEach(events::add);
        return answer(0, "OK", Json.object());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A minimal multipart/form-data reader: part name → content. */
    static Map<String, byte[]> multipart(byte[] body, String boundary) {
        String s = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        require(s.startsWith(delimiter) && s.endsWith(delimiter + "--\r\n"), "multipart body must open and close with the boundary");
        Map<String, byte[]> parts = new LinkedHashMap<>();
        String inner = s.substring(delimiter.length(), s.length() - (delimiter + "--\r\n").length());
        require(inner.endsWith("\r\n"), "the closing boundary starts on its own line");
        inner = inner.substring(0, inner.length() - 2);
        for (String part : inner.split("\r\n" + delimiter)) {
            int headerEnd = part.indexOf("\r\n\r\n");
            require(headerEnd > 0, "each part has headers");
            String headers = part.substring(0, headerEnd);
            int n = headers.indexOf("name=\"");
            require(n >= 0, "each part is named");
            String name = headers.substring(n + 6, headers.indexOf('"', n + 6));
            String content = part.substring(headerEnd + 4);
            parts.put(name, content.getBytes(StandardCharsets.ISO_8859_1));
        }
        return parts;
    }

    private static Answer answer(int code, String message, JsonNode data) {
        ObjectNode out = Json.object();
        out.put("code", code);
        out.put("message", message);
        out.put("request_id", "202603011200000000" + code);
        out.set("data", data == null ? Json.object() : data);
        return Answer.json(200, out);
    }

    @Override
    protected Answer violation(String message) {
        return answer(40002, message, null);
    }

    @Override
    protected Answer fault(Fault fault, Received r) {
        return switch (fault) {
            case Fault.Throttle t -> answer(40100, "Too many requests. Please retry in some time.", null);
            case Fault.ServerError s -> answer(50000, "System error.", null);
            case Fault.Permanent p -> answer(40105, "The access token is invalid or has been revoked.", null);
            case Fault.Partial p -> answer(40002, "Invalid value for data[" + p.rows().get(0) + "].user.email", null);
            case Fault.Timeout t -> throw new IllegalStateException("handled by the base class");
        };
    }
}
