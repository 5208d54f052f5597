package io.rebound.core.activation;

import java.util.List;

/**
 * One person's identifiers exactly as one platform takes them on the wire: each hashed field is 64
 * lower-case hex characters of the value normalised by that platform's rules; the few fields a
 * platform takes in the clear (Google's region and postal code) are normalised plain text. Fields
 * the platform does not take are null or empty.
 *
 * @param platform    whose rules produced these keys
 * @param emails      hashed emails, distinct, in the order given
 * @param phones      hashed phone numbers, distinct, in the order given
 * @param firstName   hashed given name, or null
 * @param lastName    hashed family name, or null
 * @param city        hashed city, or null
 * @param state       hashed state, or null
 * @param zip         hashed (Meta, Pinterest) or plain (Google) postal code, or null
 * @param country     hashed (Meta, Pinterest) or plain upper-case (Google) country code, or null
 * @param externalIds hashed external ids, distinct
 */
public record MatchKeys(Platform platform, List<String> emails, List<String> phones, String firstName,
                        String lastName, String city, String state, String zip, String country,
                        List<String> externalIds) {

    public MatchKeys {
        emails = List.copyOf(emails);
        phones = List.copyOf(phones);
        externalIds = List.copyOf(externalIds);
    }

    /** Whether the person has an email or a phone number, the identifiers every customer list accepts. */
    public boolean hasEmailOrPhone() {
        return !emails.isEmpty() || !phones.isEmpty();
    }

    /** Whether a name-and-address match is possible (Google's address identifier needs all four parts). */
    public boolean hasNameAndPostalAddress() {
        return firstName != null && lastName != null && zip != null && country != null;
    }

    /** Whether nothing identifies the person. */
    public boolean isEmpty() {
        return emails.isEmpty() && phones.isEmpty() && externalIds.isEmpty() && firstName == null
                && lastName == null && city == null && state == null && zip == null && country == null;
    }
}
