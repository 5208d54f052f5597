package io.rebound.server.collect;

import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Violation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static io.rebound.server.collect.Fixtures.PARSER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadBodyTest {

    private static Violation refusal(byte[] body) {
        try {
            PARSER.readBody(body);
        } catch (InvalidEventException e) {
            assertThat(e.violations()).hasSize(1);
            return e.violations().get(0);
        }
        throw new AssertionError("expected a refusal");
    }

    private static Violation refusal(String body) {
        return refusal(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsWriteKeyAndSentAt() {
        ParsedBody b = PARSER.readBody("{\"writeKey\":\"wk_1\",\"sentAt\":\"2025-06-01T12:00:00.5Z\",\"batch\":[]}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(b.writeKey()).isEqualTo("wk_1");
        assertThat(b.sentAt()).isEqualTo(Instant.parse("2025-06-01T12:00:00.500Z"));
        assertThat(PARSER.readBody("{}".getBytes(StandardCharsets.UTF_8)).writeKey()).isNull();
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        Violation v = refusal("{\n  \"batch\": [\n    {\"type\": \"track\",}\n  ]\n}");
        assertThat(v.field()).isEqualTo("body");
        assertThat(v.message()).startsWith("is not valid JSON at line 3, column");
    }

    @Test
    void truncatedJsonIsRefused() {
        assertThat(refusal("{\"batch\":[{\"type\":\"tr").message()).startsWith("is not valid JSON");
    }

    @Test
    void trailingContentIsRefused() {
        assertThat(refusal("{\"batch\":[]} {\"x\":1}").message()).startsWith("is not valid JSON");
    }

    @Test
    void invalidUtf8IsRefusedWithItsOffset() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThat(refusal(body)).isEqualTo(new Violation("body", "is not valid UTF-8 (byte offset 6)"));
        assertThat(refusal(new byte[]{'{', (byte) 0xFF, '}'}).message()).startsWith("is not valid UTF-8");
        // An encoded surrogate half is not UTF-8 either.
        assertThat(refusal(new byte[]{'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}).message()).startsWith("is not valid UTF-8");
    }

    @Test
    void multibyteUtf8AndAByteOrderMarkAreFine() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] json = "{\"writeKey\":\"ключ-🧘\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[bom.length + json.length];
        System.arraycopy(bom, 0, body, 0, 3);
        System.arraycopy(json, 0, body, 3, json.length);
        assertThat(PARSER.readBody(body).writeKey()).isEqualTo("ключ-🧘");
    }

    @Test
    void nonObjectsAreRefused() {
        assertThat(refusal("[1,2]")).isEqualTo(new Violation("body", "must be a JSON object, got an array"));
        assertThat(refusal("null").message()).isEqualTo("must be a JSON object, got null");
        assertThat(refusal("42").message()).isEqualTo("must be a JSON object, got a number");
        assertThat(refusal("").message()).isEqualTo("is empty; expected a JSON object");
        assertThat(refusal("   ").message()).isEqualTo("must be a JSON object, got nothing");
    }

    @Test
    void duplicateKeysAreRefused() {
        Violation v = refusal("{\"batch\":[{\"type\":\"track\",\"type\":\"page\"}]}");
        assertThat(v.field()).isEqualTo("body");
        assertThat(v.message()).startsWith("has a duplicate key at line 1").contains("type");
        Violation nested = refusal("{\"batch\":[{\"type\":\"track\",\"properties\":{\"value\":1,\"value\":2}}]}");
        assertThat(nested.message()).startsWith("has a duplicate key at line 1").contains("'value'")
                .doesNotContain("DeserializationFeature");
    }

    @Test
    void badSentAtOrWriteKeyIsNamed() {
        assertThat(refusal("{\"sentAt\":\"last tuesday\"}").field()).isEqualTo("sentAt");
        assertThat(refusal("{\"sentAt\":5}").field()).isEqualTo("sentAt");
        assertThat(refusal("{\"writeKey\":[\"k\"]}")).isEqualTo(new Violation("writeKey", "must be a string, got an array"));
    }

    @Test
    void deeplyNestedInputIsRefusedNotACrash() {
        String deep = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        assertThatThrownBy(() -> PARSER.readBody(deep.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("body: is not valid JSON");
    }
}
