package io.rebound.core.activation;

import io.rebound.core.activation.IdentifierRules.PhoneFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platforms' own documented examples, with expected digests either copied from the platform's
 * documentation or computed here by {@link MessageDigest} over the literal normalised string — never
 * through {@link Sha256}.
 */
class IdentifierRulesTest {

    private static final IdentifierRules META = IdentifierRules.of(Platform.META);
    private static final IdentifierRules GOOGLE = IdentifierRules.of(Platform.GOOGLE);
    private static final IdentifierRules TIKTOK = IdentifierRules.of(Platform.TIKTOK);
    private static final IdentifierRules PINTEREST = IdentifierRules.of(Platform.PINTEREST);

    static String sha256(String literal) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(literal.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void metaDocumentedCustomerInformationExamplesHashToTheDocumentedDigests() {
        // Meta's customer information parameters page: em "John_Smith@gmail.com", fn "John", country "US".
        assertThat(META.email(" John_Smith@gmail.com "))
                .isEqualTo("62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f");
        assertThat(META.name("John")).isEqualTo("96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a");
        assertThat(META.country("US")).isEqualTo("79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621");
    }

    @Test
    void metaPhoneIsCountryCodeAndNumberDigitsOnly() throws Exception {
        assertThat(META.normalisePhone("+1 (616) 954-1234")).isEqualTo("16169541234");
        assertThat(META.phone("+1 (616) 954-1234")).isEqualTo(sha256("16169541234"));
        assertThat(META.normalisePhone("0044 20 7946 0958")).isEqualTo("442079460958");
        assertThat(META.normalisePhone("+44 (0)20 7946 0958")).isEqualTo("442079460958");
    }

    @Test
    void metaAddressFieldsFollowItsRules() throws Exception {
        assertThat(META.normaliseCity("Menlo Park")).isEqualTo("menlopark");
        assertThat(META.normaliseState("California")).isEqualTo("ca");
        assertThat(META.normaliseState("CA")).isEqualTo("ca");
        assertThat(META.normaliseZip("94025-1234")).isEqualTo("94025");
        assertThat(META.normaliseZip("SW1A 1AA")).isEqualTo("sw1a1aa");
        assertThat(META.normaliseName("  Mary-Ann ")).isEqualTo("maryann");
        assertThat(META.normaliseName("Valéry")).isEqualTo("valéry");
        assertThat(META.city("Menlo Park")).isEqualTo(sha256("menlopark"));
        assertThat(META.zip("94025")).isEqualTo(sha256("94025"));
    }

    @Test
    void googleDocumentedPhoneExampleIsE164WithPlus() throws Exception {
        // Data Manager "Format user data": (800)555-0100 → +18005550100.
        assertThat(GOOGLE.withDefaultCallingCode("1").normalisePhone("(800)555-0100")).isEqualTo("+18005550100");
        assertThat(GOOGLE.phone("+1 800 555 0100")).isEqualTo(sha256("+18005550100"));
    }

    @Test
    void googleGmailRuleRemovesDotsAndPlusTagOnlyForGmailDomains() throws Exception {
        assertThat(GOOGLE.normaliseEmail(" Jefferson.Loves.Hiking+shop@Gmail.com "))
                .isEqualTo("jeffersonloveshiking@gmail.com");
        assertThat(GOOGLE.normaliseEmail("jefferson.loves.hiking@googlemail.com"))
                .isEqualTo("jeffersonloveshiking@googlemail.com");
        assertThat(GOOGLE.email("Jefferson.Loves.Hiking@gmail.com")).isEqualTo(sha256("jeffersonloveshiking@gmail.com"));
        assertThat(GOOGLE.normaliseEmail("first.last+tag@example.com")).isEqualTo("first.last+tag@example.com");
        assertThat(GOOGLE.normaliseEmail("jane doe@example.com")).isEqualTo("janedoe@example.com");
    }

    @Test
    void noOtherPlatformAppliesTheGmailRule() throws Exception {
        for (IdentifierRules rules : List.of(META, TIKTOK, PINTEREST)) {
            assertThat(rules.normaliseEmail("Jefferson.Loves.Hiking+shop@gmail.com"))
                    .isEqualTo("jefferson.loves.hiking+shop@gmail.com");
            assertThat(rules.email("Jefferson.Loves.Hiking@gmail.com")).isEqualTo(sha256("jefferson.loves.hiking@gmail.com"));
        }
    }

    @Test
    void aContactsGoogleDigestReplacesItsEmailDigestForGoogleOnly() throws Exception {
        // The collector hashed "John.Doe+x@gmail.com" trim + lower case, and kept Google's form beside it.
        String plain = sha256("john.doe+x@gmail.com");
        String google = sha256("johndoe@gmail.com");
        Contact c = Contact.EMPTY.withEmails(List.of(plain, sha256("other@example.com")))
                .withGoogleEmails(java.util.Map.of(plain, google));
        assertThat(GOOGLE.keys(c).emails()).containsExactly(google, sha256("other@example.com"));
        for (IdentifierRules rules : List.of(META, TIKTOK, PINTEREST)) {
            assertThat(rules.keys(c).emails()).containsExactly(plain, sha256("other@example.com"));
        }
        // A digest without Google's form known stays as it is: it cannot be normalised again.
        assertThat(GOOGLE.keys(Contact.EMPTY.withEmails(List.of(plain))).emails()).containsExactly(plain);
    }

    @Test
    void googleTakesRegionAndPostalCodeInTheClearAndNoCityOrExternalId() throws Exception {
        MatchKeys keys = GOOGLE.keys(Contact.ofEmail("a@b.co").withName("John", "Smith")
                .withAddress("Menlo Park", "CA", "94025-1234", "us").withExternalIds(List.of("cust-1")));
        assertThat(keys.firstName()).isEqualTo(sha256("john"));
        assertThat(keys.lastName()).isEqualTo(sha256("smith"));
        assertThat(keys.zip()).isEqualTo("94025");
        assertThat(keys.country()).isEqualTo("US");
        assertThat(keys.city()).isNull();
        assertThat(keys.state()).isNull();
        assertThat(keys.externalIds()).isEmpty();
        assertThat(keys.hasNameAndPostalAddress()).isTrue();
    }

    @Test
    void tiktokPhoneFormatIsASettingBecauseItsDocumentsDisagree() throws Exception {
        assertThat(TIKTOK.phone("+1 650 555 1234")).isEqualTo(sha256("+16505551234"));
        assertThat(TIKTOK.withPhoneFormat(PhoneFormat.DIGITS).phone("+1 650 555 1234")).isEqualTo(sha256("16505551234"));
        assertThat(TIKTOK.keys(Contact.EMPTY.withName("John", "Smith")).firstName()).isNull();
    }

    @Test
    void pinterestHashesPhoneDigitsAndAddressLikeMeta() throws Exception {
        MatchKeys keys = PINTEREST.keys(Contact.ofEmail("Jane@Example.com").withPhones(List.of("+1-650-555-1234"))
                .withAddress("New York", "New York", "10001", "US").withExternalIds(List.of(" 42 ")));
        assertThat(keys.emails()).containsExactly(sha256("jane@example.com"));
        assertThat(keys.phones()).containsExactly(sha256("16505551234"));
        assertThat(keys.city()).isEqualTo(sha256("newyork"));
        assertThat(keys.state()).isEqualTo(sha256("ny"));
        assertThat(keys.country()).isEqualTo(sha256("us"));
        assertThat(keys.externalIds()).containsExactly(sha256("42"));
    }

    @Test
    void nationalNumbersTakeTheStoresCallingCodeAfterDroppingTheTrunkZero() {
        assertThat(META.withDefaultCallingCode("44").normalisePhone("020 7946 0958")).isEqualTo("442079460958");
        assertThat(META.withDefaultCallingCode("44").normalisePhone("+33 1 23 45 67 89")).isEqualTo("33123456789");
        assertThat(META.normalisePhone("call me")).isNull();
        assertThat(META.normalisePhone("12")).isNull();
    }

    @Test
    void alreadyHashedValuesPassThroughLowerCasedAndAreNeverHashedAgain() throws Exception {
        String digest = sha256("jane@example.com");
        for (IdentifierRules rules : List.of(META, GOOGLE, TIKTOK, PINTEREST)) {
            assertThat(rules.email(digest.toUpperCase(Locale.ROOT))).isEqualTo(digest);
            assertThat(rules.phone(digest)).isEqualTo(digest);
        }
        assertThat(GOOGLE.zip(digest)).as("a plain field cannot be recovered from a digest").isNull();
    }

    @Test
    void valuesThatAreNotWhatTheyClaimAreDroppedNotHashed() {
        for (IdentifierRules rules : List.of(META, GOOGLE, TIKTOK, PINTEREST)) {
            assertThat(rules.email("not-an-email")).isNull();
            assertThat(rules.email("a@b")).isNull();
            assertThat(rules.email("  ")).isNull();
            assertThat(rules.keys(Contact.ofEmail("nope")).isEmpty()).isTrue();
        }
        assertThat(META.country("USA")).isNull();
    }

    @Test
    void keysAreDistinctInTheOrderGiven() throws Exception {
        MatchKeys keys = META.keys(Contact.EMPTY.withEmails(List.of("B@x.io", "a@x.io", " b@X.io ")));
        assertThat(keys.emails()).containsExactly(sha256("b@x.io"), sha256("a@x.io"));
    }

    // --- properties ---

    @Property(tries = 500)
    void everyWireHashIs64LowerCaseHex(@ForAll("emails") String email, @ForAll("phones") String phone) {
        for (IdentifierRules rules : List.of(META, GOOGLE, TIKTOK, PINTEREST)) {
            MatchKeys keys = rules.keys(Contact.ofEmail(email).withPhones(List.of(phone)));
            assertThat(keys.emails()).allMatch(Sha256::isLowerHexDigest).hasSize(1);
            assertThat(keys.phones()).allMatch(Sha256::isLowerHexDigest).hasSize(1);
        }
    }

    @Property(tries = 500)
    void emailNormalisationIsIdempotentAndIgnoresCaseAndSurroundingSpace(@ForAll("emails") String email) {
        for (IdentifierRules rules : List.of(META, GOOGLE, TIKTOK, PINTEREST)) {
            String once = rules.normaliseEmail(email);
            assertThat(rules.normaliseEmail(once)).isEqualTo(once);
            assertThat(rules.normaliseEmail("  " + email.toUpperCase(Locale.ROOT) + "\t")).isEqualTo(once);
            assertThat(rules.email(email)).isEqualTo(rules.email(rules.email(email)));
        }
    }

    @Property(tries = 500)
    void gmailSpellingsOfOneMailboxShareOneGoogleHash(@ForAll @AlphaChars @StringLength(min = 2, max = 12) String user,
                                                     @ForAll @AlphaChars @StringLength(min = 1, max = 6) String tag) {
        String dotted = user.charAt(0) + "." + user.substring(1);
        String plain = GOOGLE.email(user + "@gmail.com");
        assertThat(GOOGLE.email(dotted + "+" + tag + "@gmail.com")).isEqualTo(plain);
        assertThat(GOOGLE.email(dotted.toUpperCase(Locale.ROOT) + "@GMAIL.COM")).isEqualTo(plain);
        assertThat(META.email(dotted + "@gmail.com")).isNotEqualTo(META.email(user + "@gmail.com"));
    }

    @Property(tries = 500)
    void phoneSpellingsOfOneNumberShareOneHash(@ForAll("nationalNumbers") String national) {
        String compact = "+1" + national;
        String spaced = "+1 (" + national.substring(0, 3) + ") " + national.substring(3, 6) + "-" + national.substring(6);
        String zeros = "001" + national;
        for (IdentifierRules rules : List.of(META, GOOGLE, TIKTOK, PINTEREST)) {
            assertThat(rules.phone(spaced)).isEqualTo(rules.phone(compact)).isEqualTo(rules.phone(zeros));
        }
        assertThat(META.normalisePhone(compact)).isEqualTo("1" + national);
        assertThat(GOOGLE.normalisePhone(compact)).isEqualTo("+1" + national);
    }

    @Provide
    Arbitrary<String> emails() {
        Arbitrary<String> local = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+")
                .ofMinLength(1).ofMaxLength(20).filter(s -> s.charAt(0) != '+' && s.charAt(0) != '.');
        Arbitrary<String> domain = Arbitraries.of("example.com", "Gmail.com", "googlemail.com", "shop.co.uk", "x.io");
        return net.jqwik.api.Combinators.combine(local, domain).as((l, d) -> l + "@" + d);
    }

    @Provide
    Arbitrary<String> phones() {
        return nationalNumbers().map(n -> "+1 " + n);
    }

    @Provide
    Arbitrary<String> nationalNumbers() {
        return Arbitraries.strings().numeric().ofLength(10).filter(s -> s.charAt(0) != '0');
    }
}
