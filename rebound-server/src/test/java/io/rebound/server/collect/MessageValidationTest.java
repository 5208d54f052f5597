package io.rebound.server.collect;

import io.rebound.core.event.InvalidEventException;
import io.rebound.core.event.NumberLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.rebound.server.collect.Fixtures.one;
import static io.rebound.server.collect.Fixtures.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every kind of bad input is refused with a violation that names the field and the problem. */
class MessageValidationTest {

    private static final String OK = "'type':'track','event':'Purchase','anonymousId':'a1'";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            'type':'track','anonymousId':'a1'                                         | batch[0].event: is required for track
            'type':'track','event':'','anonymousId':'a1'                              | batch[0].event: is required for track
            'type':'track','event':42,'anonymousId':'a1'                              | batch[0].event: must be a string, got a number
            'type':'launch','event':'x','anonymousId':'a1'                            | batch[0].type: is "launch"; expected one of track
            'event':'x','anonymousId':'a1'                                            | batch[0].type: is required
            'type':'track','event':'x'                                                | batch[0].anonymousId: anonymousId or userId is required
            'type':'track','event':'x','anonymousId':{'a':1}                          | batch[0].anonymousId: must be a string, got an object
            'type':'track','event':'x','userId':true                                  | batch[0].userId: must be a string, got a boolean
            OK,'properties':[1,2]                                                      | batch[0].properties: must be an object, got an array
            OK,'context':'web'                                                         | batch[0].context: must be an object, got a string
            OK,'properties':{'value':'lots'}                                           | batch[0].properties.value: must be a number, got "lots"
            OK,'properties':{'value':true}                                             | batch[0].properties.value: must be a number, got a boolean
            OK,'properties':{'revenue':-5}                                             | batch[0].properties.revenue: must not be negative
            OK,'properties':{'value':1e16}                                             | batch[0].properties.value: must be at most 10^15
            OK,'properties':{'currency':'dollars'}                                     | batch[0].properties.currency: must be a 3-letter ISO 4217 code
            OK,'properties':{'currency':'U$D'}                                         | batch[0].properties.currency: must be a 3-letter ISO 4217 code
            OK,'properties':{'currency':840}                                           | batch[0].properties.currency: must be a string, got a number
            OK,'properties':{'items':[{'item_id':'a'},{'item_id':'b'},{'item_id':'c','price':'free'}]} | batch[0].properties.items[2].price: must be a number
            OK,'properties':{'items':[{'item_id':'a','quantity':0}]}                   | batch[0].properties.items[0].quantity: must be a positive integer, got 0
            OK,'properties':{'items':[{'item_id':'a','quantity':1.5}]}                 | batch[0].properties.items[0].quantity: must be a positive integer, got 1.5
            OK,'properties':{'items':[{'item_id':'a','quantity':'two'}]}               | batch[0].properties.items[0].quantity: must be a positive integer, got "two"
            OK,'properties':{'items':[{'item_name':'Mat'}]}                            | batch[0].properties.items[0].item_id: is required
            OK,'properties':{'items':{'item_id':'a'}}                                  | batch[0].properties.items: must be an array of objects, got an object
            OK,'properties':{'items':['a']}                                            | batch[0].properties.items[0]: must be an object, got a string
            OK,'properties':{'products':[{'price':3}]}                                 | batch[0].properties.products[0].product_id: is required
            OK,'properties':{'products':[{'product_id':'a','price':-3}]}               | batch[0].properties.products[0].price: must not be negative
            OK,'properties':{'contents':[{'id':'a','item_price':'x'}]}                 | batch[0].properties.contents[0].item_price: must be a number
            OK,'properties':{'content_ids':['a',{'x':1}]}                              | batch[0].properties.content_ids[1]: must be a string, got an object
            OK,'properties':{'content_ids':['a','']}                                   | batch[0].properties.content_ids[1]: must be a non-empty product id
            OK,'properties':{'content_ids':{'a':1}}                                    | batch[0].properties.content_ids: must be an array of product ids
            OK,'properties':{'product_id':'a','quantity':-1}                           | batch[0].properties.quantity: must be a positive integer
            OK,'timestamp':'yesterday'                                                 | batch[0].timestamp: must be an ISO-8601 date-time
            OK,'timestamp':'2025-06-01T10:00:00'                                       | batch[0].timestamp: must be an ISO-8601 date-time with an offset
            OK,'timestamp':1717236000000                                               | batch[0].timestamp: must be an ISO-8601 date-time string
            OK,'originalTimestamp':'2025-13-01T00:00:00Z'                              | batch[0].originalTimestamp: must be an ISO-8601
            OK,'sentAt':'soon'                                                         | batch[0].sentAt: must be an ISO-8601
            OK,'messageId':['m']                                                       | batch[0].messageId: must be a string, got an array
            OK,'context':{'ip':'not-an-ip'}                                            | batch[0].context.ip: must be an IPv4 or IPv6 address
            OK,'context':{'ip':'256.1.1.1'}                                            | batch[0].context.ip: must be an IPv4 or IPv6 address
            OK,'context':{'consent':{'ad_storage':'yes'}}                              | batch[0].context.consent.ad_storage: must be "granted" or "denied"
            OK,'context':{'gpc':'1'}                                                   | batch[0].context.gpc: must be true or false, got a string
            OK,'context':{'clickIds':{'gclid':5}}                                      | batch[0].context.clickIds.gclid: must be a string
            OK,'traits':{'email':'not an email'}                                       | batch[0].traits.email: must be an email address or its SHA-256 hex digest
            OK,'properties':{'email':'bob@'}                                           | batch[0].properties.email: must be an email address
            OK,'traits':{'email_sha256':'abc'}                                         | batch[0].traits.email_sha256: must be a SHA-256 hex digest
            OK,'traits':{'email_sha256':'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514','email_google_sha256':'abc'}          | batch[0].traits.email_google_sha256: must be the SHA-256 hex digest (64 hex characters) of the email in Google's form
            OK,'properties':{'email_google_sha256':'b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514'}                             | batch[0].properties.email_google_sha256: comes with the email it is Google's form of
            OK,'context':{'traits':{'phone':'12'}}                                     | batch[0].context.traits.phone: must be a phone number in E.164 form
            'type':'alias','userId':'u1'                                               | batch[0].previousId: is required for alias
            'type':'group','userId':'u1'                                               | batch[0].groupId: is required for group
            """)
    void refusesWithAFieldNamedViolation(String message, String expected) {
        String json = "{" + message.replace("OK", OK) + "}";
        assertThat(violations(json)).anySatisfy(v -> assertThat(v).startsWith(expected));
    }

    /** A number out of NumberLimits' range refuses the whole body, naming the number's path (issue 10). */
    @Test
    void aNumberOutOfRangeRefusesTheBodyNamingItsPath() {
        for (String n : List.of("1e300", "1e-50000000", "1e999999999")) {
            assertThatThrownBy(() -> Fixtures.body(Fixtures.q("{'batch':[{" + OK + "},{" + OK + ",'messageId':" + n + "}]}")))
                    .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.violations())
                            .extracting(Object::toString).containsExactly("batch[1].messageId: " + NumberLimits.OUT_OF_RANGE));
        }
        // Written out in full, the largest numbers in range have 100 digits: well within an id's 200 characters.
        assertThat(one("{" + OK + ",'messageId':9.99e99}").eventId()).hasSize(100);
    }

    @Test
    void eventNameOver200CharactersIsRefused() {
        assertThat(violations("{'type':'track','event':'" + "x".repeat(201) + "','anonymousId':'a'}"))
                .containsExactly("batch[0].event: must be at most 200 characters, got 201");
        assertThat(one("{'type':'track','event':'" + "x".repeat(200) + "','anonymousId':'a'}").name()).hasSize(200);
    }

    @Test
    void messageIdOver200CharactersIsRefused() {
        assertThat(violations("{" + OK + ",'messageId':'" + "m".repeat(201) + "'}"))
                .containsExactly("batch[0].messageId: must be at most 200 characters, got 201");
    }

    @Test
    void everyViolationOfAMessageIsReportedAtOnce() {
        assertThat(violations("{'type':'track','properties':{'value':'x','currency':'dollars'}}"))
                .extracting(v -> v.substring(0, v.indexOf(':')))
                .containsExactlyInAnyOrder("batch[0].event", "batch[0].anonymousId", "batch[0].properties.value",
                        "batch[0].properties.currency");
    }

    @Test
    void numericIdsAreCoercedToStringsAsSegmentDoes() {
        var e = one("{'type':'track','event':'x','userId':12345,'anonymousId':9.5,'messageId':77}");
        assertThat(e.userId()).isEqualTo("12345");
        assertThat(e.anonymousId()).isEqualTo("9.5");
        assertThat(e.eventId()).isEqualTo("77");
    }

    @Test
    void integrationsAndUnknownTopLevelFieldsAreIgnored() {
        var e = one("{" + OK + ",'integrations':{'All':false},'channel':'server','_metadata':{'x':1}}");
        assertThat(e.properties()).isEmpty();
    }

    @Test
    void numericStringsAndLenientQuantitiesAreAccepted() {
        var e = one("{" + OK + ",'properties':{'items':[{'item_id':'a','price':'12.50','quantity':'3'},{'item_id':'b','quantity':2.0}]}}");
        assertThat(e.products().get(0).price()).isEqualByComparingTo("12.5");
        assertThat(e.products().get(0).quantity()).isEqualTo(3);
        assertThat(e.products().get(1).quantity()).isEqualTo(2);
    }

    @Test
    void currencyIsUpperCased() {
        assertThat(one("{" + OK + ",'properties':{'value':1,'currency':'eur'}}").currency()).isEqualTo("EUR");
    }
}
