package io.tally.reconciler;

/**
 * An account a run could not compare: a source could not read its row, it has no tolerance tiers,
 * or a difference overflowed. The run counts it and goes on (seed 001).
 *
 * @param accountId the account, or {@code null} when a source could not even read the id
 * @param message what went wrong, naming the side when a source failed
 */
public record AccountError(String accountId, String message) {
}
