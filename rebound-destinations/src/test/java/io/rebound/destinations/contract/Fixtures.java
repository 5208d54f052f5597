package io.rebound.destinations.contract;

import io.rebound.core.activation.Contact;
import io.rebound.core.engine.AdConsent;
import io.rebound.destinations.Member;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Members whose expected hashes are known independently of the code under test: each fixture holds
 * the raw value as a store gives it and the normalised string literally, and the expected hash is
 * {@link MessageDigest} over that literal.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /**
     * A raw email and its normalised forms.
     *
     * @param raw    as given
     * @param common trimmed and lower-cased (Meta, TikTok, Pinterest)
     * @param google with Google's Gmail rule
     */
    public record Email(String raw, String common, String google) {
    }

    /** Emails written as shoppers type them. */
    public static final List<Email> EMAILS = List.of(
            new Email(" John_Smith@Gmail.com ", "john_smith@gmail.com", "john_smith@gmail.com"),
            new Email("Jefferson.Loves.Hiking+shop@gmail.com", "jefferson.loves.hiking+shop@gmail.com", "jeffersonloveshiking@gmail.com"),
            new Email("MARY.ann@Example.COM", "mary.ann@example.com", "mary.ann@example.com"),
            new Email("j.doe@googlemail.com", "j.doe@googlemail.com", "jdoe@googlemail.com"));

    /**
     * A raw phone and its normalised forms.
     *
     * @param raw    as given
     * @param digits country code and number
     * @param e164   with {@code +}
     */
    public record Phone(String raw, String digits, String e164) {
    }

    public static final List<Phone> PHONES = List.of(
            new Phone("+1 (616) 954-1234", "16169541234", "+16169541234"),
            new Phone("+44 (0)20 7946 0958", "442079460958", "+442079460958"),
            new Phone("0033 1 23 45 67 89", "33123456789", "+33123456789"));

    public static String sha256(String literal) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(literal.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} members with generated emails {@code shopper{i}@example.com} (already normalised), consent granted. */
    public static List<Member> generated(int n) {
        List<Member> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Member("p" + i, Contact.ofEmail(generatedEmail(i)), new AdConsent(true, Instant.EPOCH)));
        }
        return out;
    }

    public static String generatedEmail(int i) {
        return "shopper" + i + "@example.com";
    }

    /** The fixture emails as members, consent unstated. */
    public static List<Member> documented() {
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < EMAILS.size(); i++) {
            Contact c = Contact.ofEmail(EMAILS.get(i).raw());
            if (i < PHONES.size()) {
                c = c.withPhones(List.of(PHONES.get(i).raw()));
            }
            out.add(new Member("d" + i, c, AdConsent.UNSTATED));
        }
        return out;
    }
}
