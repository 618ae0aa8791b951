package io.tally.projector;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Ids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hold key {@code accountId:holdId} of the {@code holds} store and of {@code ledger.holds} (issue 20,
 * item 4): it names one hold only because a name cannot contain {@code :} (the id grammar, {@link Ids},
 * checked at every intake before anything is decided: HTTP 400, a dead letter on Kafka, a 400 on the
 * projector's reads). Checked over every pair of names up to three characters of an alphabet holding a
 * letter, a digit and each punctuation mark a name may have.
 */
class HoldKeyTest {
    private static final String ALPHABET = "a1._~@+-";

    @Test
    void theTwoReadingsOfAColonAreNoNamesSoTheyCannotBothBeHolds() {
        assertThat(ProjectorTopology.holdKey("a:b", "c")).as("the collision a grammar without ':' rules out")
                .isEqualTo(ProjectorTopology.holdKey("a", "b:c"));
        assertThat(Ids.nameProblem("a:b")).as("account id a:b").isPresent();
        assertThat(Ids.nameProblem("b:c")).as("hold id b:c").isPresent();
    }

    @Test
    void distinctPairsOfNamesHaveDistinctKeysAndAnAccountsPrefixMatchesOnlyItsOwnHolds() {
        List<String> names = names();
        Map<String, String> pairByKey = new HashMap<>();
        for (String account : names) {
            for (String hold : names) {
                String pair = account + " / " + hold;
                String key = ProjectorTopology.holdKey(account, hold);
                assertThat(pairByKey.putIfAbsent(key, pair)).as("another pair with the key of %s", pair).isNull();
            }
        }
        assertThat(pairByKey).hasSize(names.size() * names.size());
        for (String account : names) {
            String prefix = ProjectorTopology.holdKey(account, "");
            for (String other : names) {
                boolean matches = ProjectorTopology.holdKey(other, names.get(0)).startsWith(prefix);
                assertThat(matches).as("%s's prefix scan meets a hold of %s", account, other).isEqualTo(account.equals(other));
            }
        }
    }

    /** Every name of one to three characters of {@link #ALPHABET} (a name starts with a letter or digit). */
    private static List<String> names() {
        List<String> out = new ArrayList<>();
        List<String> shorter = List.of("");
        for (int length = 1; length <= 3; length++) {
            List<String> longer = new ArrayList<>();
            for (String s : shorter) {
                for (char c : ALPHABET.toCharArray()) {
                    longer.add(s + c);
                }
            }
            longer.stream().filter(Ids::isName).forEach(out::add);
            shorter = longer;
        }
        assertThat(out).as("names of the alphabet").hasSize(2 + 2 * 8 + 2 * 64);
        return out;
    }
}
