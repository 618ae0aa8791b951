package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The id grammar at its edges: alphabet, first character, lengths, event ids, free text. */
class IdsPropertiesTest {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~@+-";
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    @Provide
    Arbitrary<String> names() {
        Arbitrary<Character> first = Arbitraries.of(chars(ALNUM));
        Arbitrary<String> rest = Arbitraries.strings().withChars(ALPHABET).ofMaxLength(Ids.MAX_NAME_LENGTH - 1);
        return first.flatMap(f -> rest.map(r -> f + r));
    }

    @Property
    void everyStringOfTheAlphabetStartingWithALetterOrDigitIsANameAndAKey(@ForAll("names") String name) {
        assertThat(Ids.nameProblem(name)).isEmpty();
        assertThat(Ids.keyProblem(name)).isEmpty();
    }

    @Property
    void oneCharacterOutsideTheAlphabetAnywhereMakesItNoName(@ForAll("names") String name,
            @ForAll char c, @ForAll @IntRange(min = 0, max = 200) int at) {
        if (Ids.isNameChar(c) || name.length() >= Ids.MAX_NAME_LENGTH) {
            return;
        }
        int i = Math.min(at, name.length());
        String bad = name.substring(0, i) + c + name.substring(i);
        assertThat(Ids.nameProblem(bad)).isPresent();
        if (c != ':' || i == 0) {
            assertThat(Ids.keyProblem(bad)).isPresent();
        } else {
            assertThat(Ids.keyProblem(bad)).as("':' joins names in a key").isEmpty();
        }
    }

    @Example
    void everyCharOutsideTheAlphabetIsRefusedAsTheFirstAndAsALaterCharacter() {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            boolean inAlphabet = ALPHABET.indexOf(c) >= 0;
            assertThat(Ids.isName("a" + (char) c)).as("U+%04X", c).isEqualTo(inAlphabet);
            assertThat(Ids.isName((char) c + "a")).as("first U+%04X", c).isEqualTo(ALNUM.indexOf(c) >= 0);
        }
    }

    @Example
    void lengthsAtTheirEdges() {
        assertThat(Ids.isName("a".repeat(Ids.MAX_NAME_LENGTH))).isTrue();
        assertThat(Ids.nameProblem("a".repeat(Ids.MAX_NAME_LENGTH + 1))).hasValueSatisfying(p -> assertThat(p).contains("128"));
        assertThat(Ids.isKey("k".repeat(Ids.MAX_KEY_LENGTH))).isTrue();
        assertThat(Ids.isKey("k".repeat(Ids.MAX_KEY_LENGTH + 1))).isFalse();
        assertThat(Ids.nameProblem("")).hasValue("must not be empty");
        assertThat(Ids.nameProblem(null)).hasValue("must not be empty");
    }

    @Example
    void theHostileIdsOfTheIssueAreRefused() {
        for (String bad : new String[] {"m1\u0000x", "a\nb", "a/b", "../../etc/passwd", "..", ".", "-rf", "a b", "a:b",
                "é", "a\u202eb", "x".repeat(5000), "a\tb", "a\"b", "a%2Fb", "a?b", "a#b"}) {
            assertThat(Ids.nameProblem(bad)).as(Ids.printable(bad)).isPresent();
        }
        assertThat(Ids.isKey("receive:acct-1:17")).isTrue();
        assertThat(Ids.isKey("reconcile:account_balances:2378@v12")).isTrue();
        assertThat(Ids.isKey(":a")).isFalse();
        assertThat(Ids.isKey("550e8400-e29b-41d4-a716-446655440000")).isTrue();
    }

    @Property
    void anEventIdIsANameAColonAndAPositiveVersion(@ForAll("names") String account,
            @ForAll @LongRange(min = 1) long version) {
        String id = account + ":" + version;
        assertThat(Ids.eventIdProblem(id)).isEmpty();
        assertThat(Ids.accountOfEventId(id)).isEqualTo(account);
    }

    @Example
    void eventIdVersionsAtTheirEdges() {
        assertThat(Ids.eventIdProblem("a:" + Long.MAX_VALUE)).isEmpty();
        assertThat(Ids.eventIdProblem("a:9223372036854775808")).isPresent();
        assertThat(Ids.eventIdProblem("a:0")).isPresent();
        assertThat(Ids.eventIdProblem("a:01")).isPresent();
        assertThat(Ids.eventIdProblem("a:-1")).isPresent();
        assertThat(Ids.eventIdProblem("a:")).isPresent();
        assertThat(Ids.eventIdProblem(":1")).isPresent();
        assertThat(Ids.eventIdProblem("a")).isPresent();
        assertThat(Ids.eventIdProblem("a:b:1")).as("the account part is a name, without ':'").isPresent();
        assertThatThrownBy(() -> Ids.accountOfEventId("a\u0000:1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\u0000");
    }

    @Property
    void printableEchoesOnlyPrintableAsciiAndAtMostSixtyFourOfIt(@ForAll String text) {
        String shown = Ids.printable(text);
        assertThat(shown.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(shown.length()).isLessThanOrEqualTo(64 + 6 + 3);
    }

    @Property
    void freeTextRefusesEveryControlCharacterAndUnpairedSurrogate(@ForAll char c) {
        boolean bad = Character.isISOControl(c) || Character.isSurrogate(c);
        assertThat(FreeText.problem("ref " + c + " x").isPresent()).as("U+%04X", (int) c).isEqualTo(bad);
    }

    @Example
    void freeTextKeepsPairedSurrogatesAndItsLength() {
        assertThat(FreeText.problem("coffee \u2615 and \uD83D\uDE00")).isEmpty();
        assertThat(FreeText.problem("\uDE00\uD83D")).isPresent();
        assertThat(FreeText.problem("x".repeat(FreeText.MAX_LENGTH))).isEmpty();
        assertThat(FreeText.problem("x".repeat(FreeText.MAX_LENGTH + 1))).isPresent();
        assertThat(FreeText.problem(null)).isEmpty();
    }

    private static Character[] chars(String s) {
        return s.chars().mapToObj(c -> (char) c).toArray(Character[]::new);
    }
}
