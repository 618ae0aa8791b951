-- The reconciler's records (DESIGN.md, Stored caches and reconciliation): every run with its counts,
-- its discrepancies, and the corrections applied to caches (the audit trail, one row per correction).

CREATE TABLE reconciliation_runs (
    run_id                  text        PRIMARY KEY,
    source                  text        NOT NULL,
    mode                    text        NOT NULL CHECK (mode IN ('DRY_RUN', 'FIX')),
    status                  text        NOT NULL CHECK (status IN ('RUNNING', 'IN_SYNC', 'DRIFT', 'FAILED')),
    started_at              timestamptz NOT NULL,
    finished_at             timestamptz,
    checked                 bigint      NOT NULL DEFAULT 0,
    in_sync                 bigint      NOT NULL DEFAULT 0,
    drift                   bigint      NOT NULL DEFAULT 0,
    in_flight               bigint      NOT NULL DEFAULT 0,
    missing_in_cache        bigint      NOT NULL DEFAULT 0,
    missing_in_projection   bigint      NOT NULL DEFAULT 0,
    currency_mismatch       bigint      NOT NULL DEFAULT 0,
    fixed                   bigint      NOT NULL DEFAULT 0,
    errors                  bigint      NOT NULL DEFAULT 0,
    failure                 text
);

COMMENT ON COLUMN reconciliation_runs.fixed IS 'Corrections the run issued (to ledger.corrections, or to ledger.requests for an authoritative source).';

CREATE TABLE reconciliation_discrepancies (
    run_id                      text    NOT NULL REFERENCES reconciliation_runs (run_id) ON DELETE CASCADE,
    account_id                  text    NOT NULL,
    status                      text    NOT NULL,
    tier                        text    NOT NULL,
    currency                    text,
    expected_available_minor    bigint,
    expected_locked_minor       bigint,
    expected_version            bigint,
    actual_available_minor      bigint,
    actual_locked_minor         bigint,
    actual_version              bigint,
    difference_minor            bigint,
    size_minor                  bigint  NOT NULL,
    fix                         text    NOT NULL CHECK (fix IN ('NONE', 'CORRECTION_EMITTED', 'LEDGER_CORRECTION_REQUESTED', 'NOT_AUTO_FIXABLE')),
    message                     text,
    PRIMARY KEY (run_id, account_id)
);

-- "listed largest first"
CREATE INDEX reconciliation_discrepancies_by_size ON reconciliation_discrepancies (run_id, size_minor DESC);

CREATE TABLE balance_corrections_applied (
    correction_id               text        PRIMARY KEY,
    run_id                      text        NOT NULL,
    account_id                  text        NOT NULL,
    source                      text        NOT NULL,
    outcome                     text        NOT NULL CHECK (outcome IN ('APPLIED', 'STALE')),
    before_available_minor      bigint,
    before_locked_minor         bigint,
    before_version              bigint,
    after_available_minor       bigint,
    after_locked_minor          bigint,
    after_version               bigint,
    delta_minor                 bigint      NOT NULL,
    reason                      text        NOT NULL,
    applied_at                  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE balance_corrections_applied IS 'Audit trail of ledger.corrections applied to account_balances; written in the same transaction as the fix, so a correction is applied at most once.';
