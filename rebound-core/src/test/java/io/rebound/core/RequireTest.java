package io.rebound.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Require#nonNull} names the first null value, like {@code Objects.requireNonNull(value, name)}. */
class RequireTest {

    @Test
    void passesWhenEveryValueIsGiven() {
        assertThatCode(() -> Require.nonNull("a", 1, "b", "x")).doesNotThrowAnyException();
    }

    @Test
    void namesTheFirstNullValue() {
        assertThatThrownBy(() -> Require.nonNull("a", 1, "b", null, "c", null))
                .isInstanceOf(NullPointerException.class).hasMessage("b");
    }

    @Test
    void refusesANameWithoutItsValue() {
        assertThatThrownBy(() -> Require.nonNull("a", 1, "b")).isInstanceOf(IllegalArgumentException.class);
    }
}
