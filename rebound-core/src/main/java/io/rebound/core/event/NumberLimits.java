package io.rebound.core.event;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The numbers Rebound takes from outside, checked on the number as read and before any
 * arithmetic or rendering touches it.
 *
 * <p>A {@link BigDecimal} holds its exponent apart from its digits, so {@code 1e-50000000} and
 * {@code 1e999999999} are as cheap to hold as {@code 1}, while rounding them, writing them out in
 * full ({@code toPlainString}) or turning them into an integer ({@code toBigIntegerExact}) takes
 * minutes of CPU or the whole heap. Every number is therefore held to {@value #MAX_PLAIN_DIGITS}
 * digits written out in full, which keeps any of those operations at a few hundred nanoseconds:
 * less than 10^100 in magnitude, at most 99 decimal places (1e99 and 1e-99 pass, 1e100, 1e-100,
 * 1e999 and 1e-50000000 do not). As sent, a number may take at most {@value #MAX_TEXT_LENGTH}
 * characters. Amounts (value, revenue, total, price) are further held to {@link #MAX_AMOUNT} in
 * magnitude and rounded to {@value #AMOUNT_DECIMALS} decimal places.
 */
public final class NumberLimits {

    /** The most characters a number may take as sent: digits, sign, point and exponent. */
    public static final int MAX_TEXT_LENGTH = 100;
    /** The most digits a number may have written out in full, without an exponent. */
    public static final int MAX_PLAIN_DIGITS = 100;
    /** The largest magnitude of an amount: value, revenue, total, price. */
    public static final BigDecimal MAX_AMOUNT = BigDecimal.ONE.scaleByPowerOfTen(15);
    /** The decimal places an amount is rounded to. */
    public static final int AMOUNT_DECIMALS = 6;
    /** What {@link #problem} says about a number out of range. */
    public static final String OUT_OF_RANGE = "is out of range: a number may have at most " + MAX_PLAIN_DIGITS
            + " digits written out in full (less than 1e100 in magnitude, at most 99 decimal places)";

    /** The smallest integer of more than {@link #MAX_PLAIN_DIGITS} digits. */
    private static final BigInteger TOO_MANY_DIGITS = BigInteger.TEN.pow(MAX_PLAIN_DIGITS);
    /** No integer of more bits has {@link #MAX_PLAIN_DIGITS} digits or fewer. */
    private static final int MAX_BITS = TOO_MANY_DIGITS.bitLength();

    private NumberLimits() {
    }

    /**
     * The number of digits of {@code d} written out in full, computed without writing it out (a zero
     * counts its exponent's zeros too: 0e-50000000 is as costly to round as 1e-50000000).
     */
    public static long plainDigits(BigDecimal d) {
        long precision = d.precision();
        long scale = d.scale();
        return scale <= 0 ? precision - scale : Math.max(precision, scale + 1);
    }

    /** True when {@code d} is within the range above. */
    public static boolean inRange(BigDecimal d) {
        // The scale and the unscaled value's bit length rule out huge exponents and digit strings
        // before precision() counts the digits.
        int scale = d.scale();
        return scale > -MAX_PLAIN_DIGITS && scale < MAX_PLAIN_DIGITS
                && d.unscaledValue().bitLength() <= MAX_BITS && plainDigits(d) <= MAX_PLAIN_DIGITS;
    }

    /**
     * Null when {@code n} is a number within range, else {@link #OUT_OF_RANGE}; non-finite floating
     * point values are out of range too. Anything that is not a number is not this method's business
     * (null).
     */
    public static String problem(Object n) {
        boolean ok = switch (n) {
            case null -> true;
            case Integer i -> true;
            case Long l -> true;
            case Short s -> true;
            case Byte b -> true;
            case BigDecimal d -> inRange(d);
            case BigInteger b -> b.bitLength() <= MAX_BITS && b.abs().compareTo(TOO_MANY_DIGITS) < 0;
            case Double d -> Double.isFinite(d) && inRange(new BigDecimal(d.toString()));
            case Float f -> Float.isFinite(f) && inRange(new BigDecimal(f.toString()));
            case Number other -> {
                String s = other.toString();
                yield s.length() <= MAX_TEXT_LENGTH && parse(s) != null;
            }
            default -> true;
        };
        return ok ? null : OUT_OF_RANGE;
    }

    /**
     * The number written in {@code text} (a JSON number or a numeric query parameter), or null when
     * it is not one, is longer than {@value #MAX_TEXT_LENGTH} characters or is out of range. Never
     * does more than read at most that many characters.
     */
    public static BigDecimal parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT_LENGTH) {
            return null;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
        return inRange(d) ? d : null;
    }

    /**
     * Walks a parsed JSON tree (maps, lists, scalars) and reports, by dotted path, every number out of
     * range and every node nested deeper than {@code maxDepth}: what a definition parser checks before
     * it reads any field.
     *
     * @param what names the document in the nesting message ("a segment definition")
     */
    public static void check(Object node, String path, int depth, int maxDepth, String what,
                             java.util.function.BiConsumer<String, String> fail) {
        if (depth > maxDepth) {
            fail.accept(path, "is nested too deeply: " + what + " has at most " + maxDepth + " levels");
            return;
        }
        switch (node) {
            case java.util.Map<?, ?> map -> map.forEach((k, v) ->
                    check(v, path.isEmpty() ? String.valueOf(k) : path + "." + k, depth + 1, maxDepth, what, fail));
            case java.util.List<?> list -> {
                for (int i = 0; i < list.size(); i++) {
                    check(list.get(i), path + "[" + i + "]", depth + 1, maxDepth, what, fail);
                }
            }
            case Number n -> {
                String problem = problem(n);
                if (problem != null) {
                    fail.accept(path, problem);
                }
            }
            case null, default -> {
                // text, booleans and null hold no number
            }
        }
    }
}
