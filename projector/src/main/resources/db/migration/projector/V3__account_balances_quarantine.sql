-- Records of ledger.balances that the cache sink could not write (DESIGN.md, The PostgreSQL cache
-- sink): a row PostgreSQL refused for a reason retrying cannot fix (SQLSTATE class 22, a data
-- exception, or 23, an integrity constraint; including a row whose application SQL failed so) or a
-- record that could not be decoded. It is kept here, in the same transaction as the rows written
-- beside it and before the offsets move on, instead of stalling the sink for every account.
-- One row per record (topic, partition, offset), so a replay or a restart adds nothing.
-- The reconciler reports an account with a row here as QUARANTINED until account_balances holds a
-- newer version of it (a row without a version, an undecodable record, until it is deleted).
CREATE TABLE account_balances_quarantine (
    source_topic         text        NOT NULL,
    source_partition     integer     NOT NULL,
    source_offset        bigint      NOT NULL,
    account_id_utf8      bytea,
    account_id_printable text        NOT NULL,
    version              bigint,
    reason               text        NOT NULL CHECK (reason IN ('REJECTED', 'UNDECODABLE')),
    sqlstate             text        CHECK (sqlstate ~ '^[0-9A-Z]{5}$'),
    message              text        NOT NULL,
    record_value         bytea,
    quarantined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_topic, source_partition, source_offset),
    CHECK ((reason = 'REJECTED') = (sqlstate IS NOT NULL))
);

-- The reconciler reads it in account order (the bytes' order is account_balances' COLLATE "C" order).
CREATE INDEX account_balances_quarantine_by_account
    ON account_balances_quarantine (account_id_utf8, version DESC NULLS FIRST);

COMMENT ON TABLE account_balances_quarantine IS 'ledger.balances records the cache sink could not write; delete a row once it is dealt with.';
COMMENT ON COLUMN account_balances_quarantine.account_id_utf8 IS 'The account id exactly, as UTF-8 (text cannot hold every id, e.g. one with NUL); for an undecodable record, its key bytes; NULL if it had no key.';
COMMENT ON COLUMN account_balances_quarantine.account_id_printable IS 'The account id for people and logs: non-printable characters as \uXXXX, cut to 64 characters.';
COMMENT ON COLUMN account_balances_quarantine.version IS 'The refused balance''s version; NULL for an undecodable record.';
COMMENT ON COLUMN account_balances_quarantine.sqlstate IS 'PostgreSQL''s SQLSTATE for a REJECTED row (22003 also when available + locked overflows the :total of the application SQL).';
COMMENT ON COLUMN account_balances_quarantine.message IS 'The database''s message, or the decoder''s.';
COMMENT ON COLUMN account_balances_quarantine.record_value IS 'The record''s value bytes as received, for an UNDECODABLE record.';
