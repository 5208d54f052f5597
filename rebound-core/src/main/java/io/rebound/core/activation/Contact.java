package io.rebound.core.activation;

import io.rebound.core.engine.PersonIds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What Rebound knows to identify one person to an ad platform, before any platform's rules are
 * applied. Each value is either raw (as the store or the visitor gave it) or already a SHA-256 hex
 * digest; {@link IdentifierRules#keys(Contact)} normalises and hashes the raw ones and passes the
 * digests through. Absent values are null or empty lists.
 *
 * @param emails      email addresses or their digests
 * @param phones      phone numbers or their digests
 * @param firstName   given name, or null
 * @param lastName    family name, or null
 * @param city        city, or null
 * @param state       state or region, or null
 * @param zip         postal code, or null
 * @param country     ISO 3166-1 alpha-2 country code, or null
 * @param externalIds the store's own customer ids
 * @param googleEmails for email digests in {@code emails} whose address Google normalises differently
 *                    (a Gmail address with dots or a {@code +tag}, seen in the clear by the collector),
 *                    the digest of Google's form; only {@link Platform#GOOGLE}'s rules use it
 */
public record Contact(List<String> emails, List<String> phones, String firstName, String lastName, String city,
                      String state, String zip, String country, List<String> externalIds,
                      Map<String, String> googleEmails) {

    public static final Contact EMPTY = new Contact(List.of(), List.of(), null, null, null, null, null, null, List.of());

    /** A contact without Google-normalised email digests. */
    public Contact(List<String> emails, List<String> phones, String firstName, String lastName, String city,
                   String state, String zip, String country, List<String> externalIds) {
        this(emails, phones, firstName, lastName, city, state, zip, country, externalIds, Map.of());
    }

    public Contact {
        emails = copy(emails);
        phones = copy(phones);
        externalIds = copy(externalIds);
        googleEmails = googleEmails == null ? Map.of() : Map.copyOf(googleEmails);
    }

    private static List<String> copy(List<String> values) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    /**
     * The contact a person's linked identifiers give: their email digests (normalised by the
     * collector, trim and lower case) with Google's digests of those it has, and their store user ids
     * as external ids.
     */
    public static Contact of(PersonIds ids) {
        return new Contact(List.copyOf(ids.emailHashes()), List.of(), null, null, null, null, null, null,
                List.copyOf(ids.userIds()), ids.googleEmailHashes());
    }

    public static Contact ofEmail(String email) {
        return EMPTY.withEmails(List.of(email));
    }

    public Contact withEmails(List<String> v) {
        return new Contact(v, phones, firstName, lastName, city, state, zip, country, externalIds, googleEmails);
    }

    public Contact withPhones(List<String> v) {
        return new Contact(emails, v, firstName, lastName, city, state, zip, country, externalIds, googleEmails);
    }

    public Contact withName(String first, String last) {
        return new Contact(emails, phones, first, last, city, state, zip, country, externalIds, googleEmails);
    }

    public Contact withAddress(String city, String state, String zip, String country) {
        return new Contact(emails, phones, firstName, lastName, city, state, zip, country, externalIds, googleEmails);
    }

    /** This contact with Google's digests {@code v} (email digest → Google's digest of the same address). */
    public Contact withGoogleEmails(Map<String, String> v) {
        return new Contact(emails, phones, firstName, lastName, city, state, zip, country, externalIds, v);
    }

    public Contact withExternalIds(List<String> v) {
        return new Contact(emails, phones, firstName, lastName, city, state, zip, country, v, googleEmails);
    }
}
