package io.rebound.server.collect;

import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.Source;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;
import net.jqwik.api.constraints.IntRange;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.rebound.server.collect.Fixtures.BROWSER;
import static io.rebound.server.collect.Fixtures.NOW;
import static io.rebound.server.collect.Fixtures.PARSER;
import static io.rebound.server.collect.Fixtures.STORE;
import static org.assertj.core.api.Assertions.assertThat;

/** Whatever arrives, parsing ends in events, rejections or an InvalidEventException — nothing else. */
class ParserFuzzProperties {

    @Property(tries = 1500)
    void randomBytesNeverCrash(@ForAll byte[] body) {
        parseEverything(body);
    }

    @Property(tries = 1500)
    void randomTextNeverCrashes(@ForAll String body) {
        parseEverything(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 3000)
    void mutatedMessagesNeverCrash(@ForAll("mutatedBodies") String body) {
        parseEverything(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 500)
    void randomGifQueriesNeverCrash(@ForAll("queries") Map<String, String> query) {
        BatchResult r = new GifParser(io.rebound.core.time.EventTimePolicy.DEFAULT, BotFilter.disabled())
                .parse(query, STORE, BROWSER, NOW);
        assertThat(r.accepted().size() + r.rejected().size()).isEqualTo(1);
        assertNoInternalErrors(r);
    }

    /** Issue 10: an extreme number anywhere in a message is refused in milliseconds, naming where it is. */
    @Property(tries = 400)
    void extremeNumbersAnywhereAreRefusedQuickly(@ForAll("withExtremeNumbers") String body) {
        long start = System.nanoTime();
        try {
            PARSER.readBody(body.getBytes(StandardCharsets.UTF_8));
            parseEverything(body.getBytes(StandardCharsets.UTF_8));
        } catch (InvalidEventException e) {
            assertThat(e.violations()).isNotEmpty();
        }
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(2_000);
    }

    @Provide
    Arbitrary<String> withExtremeNumbers() {
        Arbitrary<String> seed = Arbitraries.of(SEEDS).map(s -> s.replace('\'', '"'));
        Arbitrary<String> extreme = Arbitraries.of(EXTREME_NUMBERS);
        return Combinators.combine(seed, extreme, Arbitraries.integers().between(0, 10_000))
                .as((s, n, pos) -> mutate(s, n, pos, 0));
    }

    /** A number token for every way a number was costly: exponent, length, both. */
    private static final List<String> EXTREME_NUMBERS = List.of("1e-50000000", "1e999999999", "1e999", "-1e999",
            "0e-50000000", "1E+2147483647", "1e-2147483648", "1e99999999999", "1e100", "1e-100", "9".repeat(10_000),
            "-0." + "1".repeat(5_000), "1" + "0".repeat(150) + "e-150");

    /** Deeply nested and very long structures inside properties end in events or rejections, quickly. */
    @Property(tries = 200)
    void deepAndLongStructuresNeverCrash(@ForAll @IntRange(min = 0, max = 5_000) int depth,
                                         @ForAll @IntRange(min = 0, max = 20_000) int length,
                                         @ForAll boolean objects) {
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            deep.append(objects ? "{\"k\":" : "[");
        }
        deep.append("1");
        for (int i = 0; i < depth; i++) {
            deep.append(objects ? "}" : "]");
        }
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < length; i++) {
            list.append(i == 0 ? "" : ",").append(i % 3 == 0 ? "1.5e3" : i % 3 == 1 ? "\"v\"" : "{\"a\":[1,2]}");
        }
        list.append(']');
        String body = "{\"type\":\"track\",\"event\":\"x\",\"anonymousId\":\"a\",\"properties\":{\"deep\":" + deep
                + ",\"long\":" + list + ",\"content_ids\":" + list + "}}";
        long start = System.nanoTime();
        parseEverything(body.getBytes(StandardCharsets.UTF_8));
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(2_000);
    }

    private static void parseEverything(byte[] body) {
        ParsedBody parsed;
        try {
            parsed = PARSER.readBody(body);
        } catch (InvalidEventException expected) {
            assertThat(expected.violations()).isNotEmpty();
            return;
        }
        for (Source source : List.of(Source.SEGMENT, Source.PIXEL)) {
            try {
                assertNoInternalErrors(PARSER.parseBatch(parsed, STORE, BROWSER, NOW, source));
            } catch (InvalidEventException expected) {
                assertThat(expected.violations()).extracting(v -> v.field()).containsExactly("batch");
            }
            assertNoInternalErrors(PARSER.parseSingle(parsed, "track", Fixtures.CONSENT_STORE, BROWSER, NOW, source));
            assertNoInternalErrors(PARSER.parseSingle(parsed, null, STORE, RequestInfo.NONE, NOW, source));
        }
    }

    private static void assertNoInternalErrors(BatchResult r) {
        assertThat(r.rejected()).allSatisfy(rej -> assertThat(rej.violations()).isNotEmpty()
                .noneSatisfy(v -> assertThat(v.message()).contains("internal error")));
    }

    private static final List<String> SEEDS = List.of(
            "{'batch':[{'type':'track','event':'AddToCart','anonymousId':'a','messageId':'m','timestamp':'2025-06-01T11:00:00Z',"
                    + "'properties':{'content_ids':['p'],'contents':[{'id':'p','quantity':2,'item_price':3}],'items':[{'item_id':'p','price':1,'quantity':1}],"
                    + "'products':[{'product_id':'q','price':2}],'product_id':'r','value':5,'currency':'USD','email':'a@b.cc','phone':'+15551234567'},"
                    + "'context':{'ip':'1.2.3.4','userAgent':'Mozilla/5.0','page':{'url':'https://x.test/?gclid=1&utm_source=s','referrer':'r'},"
                    + "'campaign':{'source':'s'},'consent':{'ad_storage':'granted','ad_user_data':'denied'},'gpc':false,'clickIds':{'fbclid':'f'},"
                    + "'traits':{'email':'x@y.zz'}},'sentAt':'2025-06-01T11:00:01Z'}],'sentAt':'2025-06-01T12:00:00Z','writeKey':'k'}",
            "{'type':'identify','userId':7,'traits':{'email':'A@B.CC','nested':{'deep':{'deeper':{'deepest':1}}}}}",
            "{'type':'alias','previousId':'p','userId':'u'}",
            "{'type':'group','groupId':'g','userId':'u','traits':{'k':[1,2,{'a':null}]}}",
            "{'type':'page','name':'Home','anonymousId':'a','properties':{'url':'https://x.test/','title':'t'}}");

    private static final List<String> JUNK = List.of("null", "true", "-1", "1e999", "0.0000001", "\"\"", "\"x\"", "[]", "{}",
            "[null]", "{\"a\":{}}", "\"2025-06-01T12:00:00Z\"", "\"+999999999-01-01T00:00:00Z\"", "\"::ffff:1.2.3.4\"",
            "99999999999999999999999999", "-0", "\"\\u0000\"", "\"" + "x".repeat(300) + "\"", "[[[[[[]]]]]]",
            // Issue 10: numbers whose exponent or length once cost seconds to minutes of CPU or the heap.
            "1e-50000000", "1e999999999", "-1e999", "0e-50000000", "1E+2147483647", "1e99999999999",
            "9".repeat(10_000), "0." + "1".repeat(5_000), "\"1e-50000000\"", "\"1e999999999\"");

    @Provide
    Arbitrary<String> mutatedBodies() {
        Arbitrary<String> seed = Arbitraries.of(SEEDS).map(s -> s.replace('\'', '"'));
        Arbitrary<String> junk = Arbitraries.of(JUNK);
        return Combinators.combine(seed, junk, Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 3))
                .as((s, j, pos, mode) -> mutate(s, j, pos, mode));
    }

    /** Replaces one JSON value (after a ':' or '[' or ',') with junk, or cuts or duplicates a slice. */
    private static String mutate(String json, String junk, int pos, int mode) {
        int at = pos % json.length();
        return switch (mode) {
            case 0 -> {
                int colon = json.indexOf(':', at);
                if (colon < 0) {
                    yield json;
                }
                int end = colon + 1;
                int depth = 0;
                boolean inString = false;
                for (; end < json.length(); end++) {
                    char c = json.charAt(end);
                    if (c == '"' && json.charAt(end - 1) != '\\') {
                        inString = !inString;
                    } else if (!inString && (c == '{' || c == '[')) {
                        depth++;
                    } else if (!inString && (c == '}' || c == ']')) {
                        if (depth == 0) {
                            break;
                        }
                        depth--;
                    } else if (!inString && c == ',' && depth == 0) {
                        break;
                    }
                }
                yield json.substring(0, colon + 1) + junk + json.substring(end);
            }
            case 1 -> json.substring(0, at);
            case 2 -> json.substring(0, at) + junk + json.substring(at);
            default -> json.replace("\"a\"", junk);
        };
    }

    @Provide
    Arbitrary<Map<String, String>> queries() {
        Arbitrary<String> keys = Arbitraries.of("k", "e", "id", "aid", "uid", "u", "r", "ts", "cid", "v", "cur", "x");
        Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(30),
                Arbitraries.of("2025-06-01T11:00:00Z", "1717243200000", "99999999999999999", "68", "-3", "usd", "a,,b", " ", "PageView",
                        "1e-50000000", "1e999999999", "0e-50000000", "-1e999", "NaN", "Infinity", "9".repeat(5_000)));
        return Arbitraries.maps(keys, values).ofMaxSize(8);
    }
}
