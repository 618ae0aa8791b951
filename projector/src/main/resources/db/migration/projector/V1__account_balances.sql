-- The projector's PostgreSQL cache of ledger.balances, for applications to query.
-- A row only ever moves forward in version (the sink's upsert is version-guarded).
CREATE TABLE account_balances (
    account_id      text        PRIMARY KEY,
    currency        text        NOT NULL,
    scale           integer     NOT NULL,
    available_minor bigint      NOT NULL,
    locked_minor    bigint      NOT NULL,
    version         bigint      NOT NULL CHECK (version >= 1),
    last_event_id   text        NOT NULL,
    updated_at      timestamptz NOT NULL,
    synced_at       timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE account_balances IS 'Projection of ledger.balances; never edit by hand: drift is found by tally reconcile.';
COMMENT ON COLUMN account_balances.available_minor IS 'Available balance in minor units of currency (scale digits).';
COMMENT ON COLUMN account_balances.version IS 'Version of the last ledger event reflected in this row.';
