package io.tally.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class AccountOrderTest {

    @Test
    void sortsByBytesNotByNumberOrLocale() {
        List<String> ids = new ArrayList<>(List.of("a", "9", "100", "B", "10", "é", "Z", "😀", "\uFF61"));
        ids.sort(AccountOrder.INSTANCE);
        // "1" (0x31) < "9" (0x39) < "B" (0x42) < "Z" < "a" (0x61) < "é" (C3 A9) < U+FF61 (EF BD A1) < 😀 (F0 9F 98 80)
        assertThat(ids).containsExactly("10", "100", "9", "B", "Z", "a", "é", "\uFF61", "😀");
    }

    @Test
    void supplementaryCharactersSortAfterTheTopOfTheBasicPlaneUnlikeStringCompareTo() {
        String highBmp = "\uFF61";
        String emoji = "😀";
        assertThat(highBmp.compareTo(emoji)).isPositive();
        assertThat(AccountOrder.compareIds(highBmp, emoji)).isNegative();
        assertThat(AccountOrder.compareIds(emoji, highBmp)).isPositive();
    }

    @Test
    void aPrefixSortsFirstAndEqualIdsCompareEqual() {
        assertThat(AccountOrder.compareIds("acc", "acc-1")).isNegative();
        assertThat(AccountOrder.compareIds("acc-1", "acc")).isPositive();
        assertThat(AccountOrder.compareIds("acc-1", "acc-1")).isZero();
        assertThat(AccountOrder.compareIds("", "a")).isNegative();
    }

    @Property(tries = 2000)
    void agreesWithUnsignedUtf8ByteOrder(@ForAll("ids") String a, @ForAll("ids") String b) {
        int bytes = Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
        assertThat(Integer.signum(AccountOrder.compareIds(a, b))).isEqualTo(Integer.signum(bytes));
    }

    @Property(tries = 2000)
    void agreesWithTheOrderOfKafkaStreamsStoreKeys(@ForAll("ids") String a, @ForAll("ids") String b) {
        try (StringSerializer serializer = new StringSerializer()) {
            Bytes keyA = Bytes.wrap(serializer.serialize("t", a));
            Bytes keyB = Bytes.wrap(serializer.serialize("t", b));
            assertThat(Integer.signum(AccountOrder.compareIds(a, b)))
                    .isEqualTo(Integer.signum(keyA.compareTo(keyB)));
        }
    }

    /** Well-formed strings over ASCII, Latin-1, the top of the basic plane and beyond it, with shared prefixes. */
    @Provide
    Arbitrary<String> ids() {
        Arbitrary<Integer> codePoints = Arbitraries.oneOf(
                Arbitraries.integers().between(0x20, 0x7E),
                Arbitraries.integers().between(0x80, 0x7FF),
                Arbitraries.integers().between(0xE000, 0xFFFF),
                Arbitraries.integers().between(0x10000, 0x10FFFF),
                Arbitraries.of(0x30, 0x31, 0x61, 0xFF61, 0x1F600));
        return codePoints.list().ofMaxSize(6).map(list -> {
            StringBuilder s = new StringBuilder();
            list.forEach(s::appendCodePoint);
            return s.toString();
        });
    }
}
