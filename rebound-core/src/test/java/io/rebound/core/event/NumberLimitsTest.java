package io.rebound.core.event;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

class NumberLimitsTest {

    @Test
    void theBoundsAreAHundredDigitsWrittenOutInFull() {
        assertThat(NumberLimits.parse("1e99")).isNotNull();
        assertThat(NumberLimits.parse("9.99e99")).isNotNull();
        assertThat(NumberLimits.parse("1e100")).isNull();
        assertThat(NumberLimits.parse("1e-99")).isNotNull();
        assertThat(NumberLimits.parse("-1e-99")).isNotNull();
        assertThat(NumberLimits.parse("1e-100")).isNull();
        assertThat(NumberLimits.parse("68.50")).isEqualByComparingTo("68.5");
        assertThat(NumberLimits.parse("0")).isNotNull();
    }

    @Test
    void extremeExponentsAndLengthsAreRefusedWithoutArithmetic() {
        long start = System.nanoTime();
        for (String s : new String[]{"1e-50000000", "1e999999999", "1e999", "-1e999", "0e-50000000", "1E+2147483647",
                "1e-2147483648", "1e99999999999", "NaN", "Infinity", "-Infinity", "0x10", "", " 1", "1".repeat(101)}) {
            assertThat(NumberLimits.parse(s)).as(s).isNull();
        }
        assertThat(NumberLimits.problem(new BigDecimal("1e-50000000"))).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(new BigDecimal("1e999999999"))).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(new BigDecimal("1".repeat(10_000)))).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(BigInteger.TEN.pow(100))).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(BigInteger.TEN.pow(100).subtract(BigInteger.ONE))).isNull();
        assertThat(NumberLimits.problem(Double.NaN)).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(Double.POSITIVE_INFINITY)).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(Float.NEGATIVE_INFINITY)).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(Double.MAX_VALUE)).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(Double.MIN_VALUE)).isEqualTo(NumberLimits.OUT_OF_RANGE);
        assertThat(NumberLimits.problem(68.5)).isNull();
        assertThat(NumberLimits.problem(Long.MIN_VALUE)).isNull();
        assertThat(NumberLimits.problem("not a number")).isNull();
        assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(2_000);
    }

    /** Whatever the exponent, the check answers at once, and agrees with the plain form's length. */
    @Property(tries = 2000)
    void theCheckIsCheapAndExactForAnyExponent(@ForAll long unscaled, @ForAll int scale) {
        BigDecimal d = BigDecimal.valueOf(unscaled, scale);
        boolean in = NumberLimits.inRange(d);
        if (unscaled != 0 && scale > -200 && scale < 200) {
            assertThat(in).isEqualTo(d.toPlainString().replace("-", "").replace(".", "").length() <= NumberLimits.MAX_PLAIN_DIGITS);
        } else if (unscaled != 0) {
            assertThat(in).isFalse();
        }
    }

    @Property(tries = 500)
    void anyNumberOfDigitsIsJudgedQuickly(@ForAll @IntRange(min = 1, max = 20_000) int digits,
                                          @ForAll @IntRange(min = -5, max = 5) int exponent) {
        String text = "9".repeat(digits) + "e" + exponent;
        BigDecimal d = new BigDecimal(text);
        assertThat(NumberLimits.inRange(d)).isEqualTo(NumberLimits.plainDigits(d) <= NumberLimits.MAX_PLAIN_DIGITS);
        assertThat(NumberLimits.parse(text)).matches(p -> digits + 2 <= NumberLimits.MAX_TEXT_LENGTH || p == null);
    }
}
