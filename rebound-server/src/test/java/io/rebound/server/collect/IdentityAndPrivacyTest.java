package io.rebound.server.collect;

import io.rebound.core.event.Consent;
import io.rebound.core.event.Event;
import io.rebound.core.event.Source;
import org.junit.jupiter.api.Test;

import static io.rebound.server.collect.Fixtures.BROWSER;
import static io.rebound.server.collect.Fixtures.CONSENT_STORE;
import static io.rebound.server.collect.Fixtures.STORE;
import static io.rebound.server.collect.Fixtures.one;
import static org.assertj.core.api.Assertions.assertThat;

class IdentityAndPrivacyTest {

    private static final String TEST_EMAIL_SHA256 = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b";

    private static final String FULL = "{'type':'track','event':'Purchase','anonymousId':'anon-1','userId':'cust-1',"
            + "'properties':{'email':'Test@Example.com','phone':'+1 (650) 555-1212','value':10},"
            + "'context':{'ip':'198.51.100.23','page':{'url':'https://shop.test/mat?fbclid=FB1&color=blue','referrer':'https://l.facebook.com/?fbclid=FB1'},"
            + "'clickIds':{'gclid':'G1','fbc':'fb.1.1.FB1'},'campaign':{'source':'facebook','medium':'cpc','name':'spring','term':'mat','content':'ad1'}CONSENT}}";

    private static String full(String consent) {
        return FULL.replace("CONSENT", consent);
    }

    @Test
    void emailIsNormalisedAndHashedNeverKeptInTheClear() {
        Event e = one(full(""));
        assertThat(e.emailHash()).isEqualTo(TEST_EMAIL_SHA256);
        assertThat(e.properties()).doesNotContainKey("email")
                .containsEntry("phone_sha256", Pii.sha256Hex("16505551212"));
        assertThat(e.toString()).doesNotContainIgnoringCase("test@example.com");
    }

    @Test
    void emailHashingVectors() {
        assertThat(Pii.emailSha256("test@example.com")).isEqualTo(TEST_EMAIL_SHA256);
        assertThat(Pii.emailSha256("  TEST@Example.COM \n")).isEqualTo(TEST_EMAIL_SHA256);
        assertThat(Pii.emailSha256(TEST_EMAIL_SHA256.toUpperCase())).isEqualTo(TEST_EMAIL_SHA256);
        // Meta's normalisation: dots and plus tags in Gmail addresses are kept.
        assertThat(Pii.emailSha256("John.Doe+x@gmail.com")).isEqualTo(Pii.sha256Hex("john.doe+x@gmail.com"))
                .isNotEqualTo(Pii.sha256Hex("johndoe@gmail.com"));
        assertThat(Pii.sha256Hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Pii.emailSha256("no-at-sign")).isNull();
        assertThat(Pii.phoneSha256("+44 20 7946 0958")).isEqualTo(Pii.sha256Hex("442079460958"));
        assertThat(Pii.phoneSha256("0044 20 7946 0958")).isEqualTo(Pii.sha256Hex("442079460958"));
        assertThat(Pii.phoneSha256("call me")).isNull();
    }

    @Test
    void aGmailAddressSeenInTheClearAlsoGetsGooglesHashAndADigestCannot() {
        // Google Customer Match: for gmail.com / googlemail.com, dots and the +tag before '@' go (Google only).
        var gmail = one("{'type':'identify','userId':'u','traits':{'email':' John.Doe+x@Gmail.com '}}");
        assertThat(gmail.emailHash()).isEqualTo(Pii.sha256Hex("john.doe+x@gmail.com"));
        assertThat(gmail.googleEmailHash()).isEqualTo(Pii.sha256Hex("johndoe@gmail.com"));
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'j.doe@googlemail.com'}}").googleEmailHash())
                .isEqualTo(Pii.sha256Hex("jdoe@googlemail.com"));
        // Nothing to add where Google's form is the same, or another domain, or only a digest came.
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'johndoe@gmail.com'}}").googleEmailHash()).isNull();
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'John.Doe+x@example.com'}}").googleEmailHash()).isNull();
        assertThat(one("{'type':'identify','userId':'u','traits':{'email_sha256':'" + Pii.sha256Hex("john.doe+x@gmail.com")
                + "'}}").googleEmailHash()).isNull();
    }

    @Test
    void aClientThatHashesSendsGooglesFormBesideTheDigestAndTheClearAddressOutranksIt() {
        String plain = Pii.sha256Hex("john.doe+x@gmail.com");
        String google = Pii.sha256Hex("johndoe@gmail.com");
        // The pixel's two digests: kept side by side, Google's lower-cased like email_sha256.
        var hashed = one("{'type':'identify','userId':'u','traits':{'email_sha256':'" + plain
                + "','email_google_sha256':'" + google.toUpperCase() + "'}}");
        assertThat(hashed.emailHash()).isEqualTo(plain);
        assertThat(hashed.googleEmailHash()).isEqualTo(google);
        assertThat(hashed.properties()).isEmpty();
        var inProperties = one("{'type':'track','event':'x','userId':'u','properties':{'email_sha256':'" + plain
                + "','email_google_sha256':'" + google + "'}}");
        assertThat(inProperties.googleEmailHash()).isEqualTo(google);
        assertThat(inProperties.properties()).as("consumed, not a custom property").doesNotContainKey("email_google_sha256");
        // The same digest twice is one digest: nothing extra is kept.
        assertThat(one("{'type':'identify','userId':'u','traits':{'email_sha256':'" + google
                + "','email_google_sha256':'" + google + "'}}").googleEmailHash()).isNull();
        // With the address in the clear, Rebound computes Google's form itself, whatever the client sent.
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'John.Doe+x@gmail.com','email_google_sha256':'"
                + Pii.sha256Hex("someone@else.com") + "'}}").googleEmailHash()).isEqualTo(google);
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'jane@example.com','email_google_sha256':'"
                + google + "'}}").googleEmailHash()).isNull();
        // Without advertising consent neither digest is kept.
        assertThat(one("{'type':'identify','userId':'u','traits':{'email_sha256':'" + plain + "','email_google_sha256':'"
                + google + "'},'context':{'gpc':true}}").googleEmailHash()).isNull();
    }

    @Test
    void emailIsFoundInTraitsContextTraitsOrProperties() {
        assertThat(one("{'type':'identify','userId':'u','traits':{'email':'test@example.com'}}").emailHash()).isEqualTo(TEST_EMAIL_SHA256);
        assertThat(one("{'type':'track','event':'x','userId':'u','context':{'traits':{'email':'test@example.com'}}}").emailHash())
                .isEqualTo(TEST_EMAIL_SHA256);
        assertThat(one("{'type':'track','event':'x','userId':'u','properties':{'email_sha256':'" + TEST_EMAIL_SHA256 + "'}}").emailHash())
                .isEqualTo(TEST_EMAIL_SHA256);
    }

    @Test
    void emailLikeValuesAndPiiKeysNeverReachProperties() {
        Event e = one("{'type':'track','event':'x','userId':'u','properties':{'contact':'bob@example.org',"
                + "'billing':{'Email':'x@y.zz','phone':'123','city':'Lyon'},'note':'hello'}}");
        assertThat(e.properties()).containsOnlyKeys("billing.city", "note");
    }

    @Test
    void everythingIsKeptWithoutPrivacySignals() {
        Event e = one(full(""));
        assertThat(e.userId()).isEqualTo("cust-1");
        assertThat(e.ip()).isEqualTo("198.51.100.0");
        assertThat(e.clickIds()).containsEntry("gclid", "G1").containsEntry("fbc", "fb.1.1.FB1").containsEntry("fbclid", "FB1");
        assertThat(e.utm()).containsEntry("utm_source", "facebook").containsEntry("utm_medium", "cpc")
                .containsEntry("utm_campaign", "spring").containsEntry("utm_term", "mat").containsEntry("utm_content", "ad1");
        assertThat(e.pageUrl()).contains("fbclid=FB1");
        assertThat(e.consent()).isEqualTo(Consent.UNSTATED);
    }

    @Test
    void globalPrivacyControlHeaderStripsIdentifiers() {
        Event e = one(full(""), STORE, new RequestInfo(BROWSER.userAgentHeader(), "203.0.113.77", true));
        assertStripped(e);
        assertThat(e.consent().globalPrivacyControl()).isTrue();
    }

    @Test
    void globalPrivacyControlInContextStripsIdentifiers() {
        Event e = one(full(",'gpc':true"));
        assertStripped(e);
        assertThat(e.consent().globalPrivacyControl()).isTrue();
    }

    @Test
    void deniedAdUserDataStripsIdentifiersEvenWithoutTheStoreSetting() {
        Event e = one(full(",'consent':{'ad_storage':'granted','ad_user_data':'denied'}"));
        assertStripped(e);
        assertThat(e.consent().adUserData()).isFalse();
        assertThat(e.consent().adStorage()).isTrue();
    }

    @Test
    void consentRequiredStoreStripsUnlessBothSignalsAreGranted() {
        assertStripped(one(full(""), CONSENT_STORE, BROWSER));
        assertStripped(one(full(",'consent':{'ad_storage':'granted'}"), CONSENT_STORE, BROWSER));
        Event granted = one(full(",'consent':{'ad_storage':'granted','ad_user_data':'granted','ad_personalization':'denied','analytics_storage':'granted'}"),
                CONSENT_STORE, BROWSER);
        assertThat(granted.emailHash()).isEqualTo(TEST_EMAIL_SHA256);
        assertThat(granted.userId()).isEqualTo("cust-1");
        assertThat(granted.ip()).isEqualTo("198.51.100.0");
        assertThat(granted.consent()).isEqualTo(new Consent(true, true, false, true, false));
        assertThat(granted.consent().allowsAdvertising()).isFalse();
    }

    @Test
    void userIdSurvivesStrippingWhenItIsTheOnlyVisitorId() {
        Event e = one("{'type':'track','event':'x','userId':'cust-1','properties':{'email':'a@b.cc'},'context':{'gpc':true}}");
        assertThat(e.userId()).isEqualTo("cust-1");
        assertThat(e.emailHash()).isNull();
    }

    private static void assertStripped(Event e) {
        assertThat(e.anonymousId()).isEqualTo("anon-1");
        assertThat(e.userId()).isNull();
        assertThat(e.emailHash()).isNull();
        assertThat(e.properties()).doesNotContainKey("phone_sha256");
        assertThat(e.clickIds()).isEmpty();
        assertThat(e.ip()).isNull();
        assertThat(e.pageUrl()).isEqualTo("https://shop.test/mat?color=blue");
        assertThat(e.referrer()).isEqualTo("https://l.facebook.com/");
        // Campaign attribution and commerce data are not personal: they stay.
        assertThat(e.utm()).containsEntry("utm_source", "facebook");
        assertThat(e.value()).isEqualByComparingTo("10");
    }

    @Test
    void ipComesFromContextElseFromTheRequestAndIsTruncated() {
        assertThat(one("{'type':'track','event':'x','anonymousId':'a'}").ip()).isEqualTo("203.0.113.0");
        assertThat(one("{'type':'track','event':'x','anonymousId':'a','context':{'ip':'2001:db8:85a3:8d3:1319:8a2e:370:7348'}}").ip())
                .isEqualTo("2001:db8:85a3::");
        Event server = Fixtures.PARSER.parseBatch(Fixtures.body(Fixtures.q("{'batch':[{'type':'track','event':'x','anonymousId':'a'}]}")),
                STORE, BROWSER, Fixtures.NOW, Source.SERVER).accepted().get(0);
        assertThat(server.ip()).as("a store backend's address is not the visitor's").isNull();
    }

    @Test
    void ipTruncation() {
        assertThat(IpAddresses.truncate("203.0.113.77")).isEqualTo("203.0.113.0");
        assertThat(IpAddresses.truncate("::ffff:203.0.113.77")).isEqualTo("203.0.113.0");
        assertThat(IpAddresses.truncate("[2001:db8::1]")).isEqualTo("2001:db8:0::");
        assertThat(IpAddresses.truncate("fe80::1%eth0")).isEqualTo("fe80:0:0::");
        assertThat(IpAddresses.truncate("1.2.3")).isNull();
        assertThat(IpAddresses.truncate("example.com")).isNull();
        assertThat(IpAddresses.truncate("abc::xyz")).isNull();
        assertThat(IpAddresses.truncate("1.2.3.4.5")).isNull();
    }

    @Test
    void userAgentComesFromContextElseFromThePixelRequestOnly() {
        String ua = BROWSER.userAgentHeader();
        assertThat(one("{'type':'track','event':'x','anonymousId':'a'}").userAgent()).as("Segment API: header not used").isNull();
        assertThat(one("{'type':'track','event':'x','anonymousId':'a','context':{'userAgent':'Custom/1.0'}}").userAgent()).isEqualTo("Custom/1.0");
        Event pixel = Fixtures.PARSER.parseBatch(Fixtures.body(Fixtures.q("{'batch':[{'type':'track','event':'x','anonymousId':'a'}]}")),
                STORE, BROWSER, Fixtures.NOW, Source.PIXEL).accepted().get(0);
        assertThat(pixel.userAgent()).isEqualTo(ua);
    }

    @Test
    void utmAndClickIdsAreReadFromTheLandingUrlWhenNotSentSeparately() {
        Event e = one("{'type':'page','anonymousId':'a','context':{'page':{'url':'https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=yoga%20week&gclid=abc&msclkid=m1'}}}");
        assertThat(e.utm()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("utm_source", "google", "utm_medium", "cpc", "utm_campaign", "yoga week"));
        assertThat(e.clickIds()).containsEntry("gclid", "abc").containsEntry("msclkid", "m1");
    }
}
