package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MinorUnitsTest {
    @Test
    void parsesBankAmountsExactly() {
        assertThat(MinorUnits.parse("700.00", 2)).isEqualTo(70_000);
        assertThat(MinorUnits.parse("-1234.5", 2)).isEqualTo(-123_450);
        assertThat(MinorUnits.parse("0.10", 2)).isEqualTo(10);
        assertThat(MinorUnits.parse("14.6", 2)).isEqualTo(1_460);
        assertThat(MinorUnits.parse("42", 0)).isEqualTo(42);
    }

    @Test
    void rejectsWhatIsNotAnExactDecimal() {
        assertThatThrownBy(() -> MinorUnits.parse("1.005", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MinorUnits.parse("1e3", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MinorUnits.parse("", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MinorUnits.parse("1.", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MinorUnits.parse("99999999999999999.00", 2)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void formatsWithFixedFractionDigits() {
        assertThat(MinorUnits.format(5, 2)).isEqualTo("0.05");
        assertThat(MinorUnits.format(-123_450, 2)).isEqualTo("-1234.50");
        assertThat(MinorUnits.format(Long.MIN_VALUE, 2)).isEqualTo("-92233720368547758.08");
    }

    @Property
    void formatThenParseIsTheIdentity(@ForAll long minor, @ForAll @IntRange(min = 0, max = 18) int scale) {
        assertThat(MinorUnits.parse(MinorUnits.format(minor, scale), scale)).isEqualTo(minor);
    }
}
