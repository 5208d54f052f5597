package io.rebound.destinations.meta;

/**
 * Where Meta is told a store's people are when their data is flagged for Limited Data Use: Meta's
 * {@code data_processing_options_country} and {@code data_processing_options_state} codes. {@code 0}/{@code 0}
 * (the default) asks Meta to geolocate each person; a store that knows it serves one state fixes them
 * ({@code 1} for the United States, Meta's state code such as {@code 1000} for California).
 *
 * @param country 0 (Meta geolocates) or 1 (United States)
 * @param state   0 (Meta geolocates) or a Meta state code from 1000 (1000 California, 1001 Colorado, …),
 *                only with country 1
 */
public record LduLocation(int country, int state) {

    /** Meta geolocates every person (country 0, state 0). */
    public static final LduLocation GEOLOCATE = new LduLocation(0, 0);

    public LduLocation {
        if (country != 0 && country != 1) {
            throw new IllegalArgumentException("lduCountry must be 0 (Meta geolocates) or 1 (United States), got " + country);
        }
        if (state != 0 && (state < 1000 || state > 1999)) {
            throw new IllegalArgumentException("lduState must be 0 (Meta geolocates) or one of Meta's state codes "
                    + "(1000 California, 1001 Colorado, …), got " + state);
        }
        if (state != 0 && country != 1) {
            throw new IllegalArgumentException("lduState " + state + " is a US state: lduCountry must be 1");
        }
    }

    /** Whether Meta is left to geolocate (nothing fixed). */
    public boolean geolocated() {
        return country == 0 && state == 0;
    }
}
