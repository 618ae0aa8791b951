-- Issue 21. A run counts the accounts whose newest cache row the projector's sink quarantined
-- (status QUARANTINED), and a discrepancy keeps its account id exactly: text cannot hold every id
-- (one with NUL, as a hostile user opened), so the key is the id's UTF-8 bytes and account_id is
-- the id as text can show it (NUL as \u0000).

ALTER TABLE reconciliation_runs ADD COLUMN quarantined bigint NOT NULL DEFAULT 0;

ALTER TABLE reconciliation_discrepancies ADD COLUMN account_id_utf8 bytea;
UPDATE reconciliation_discrepancies SET account_id_utf8 = convert_to(account_id, 'UTF8');
ALTER TABLE reconciliation_discrepancies ALTER COLUMN account_id_utf8 SET NOT NULL;
ALTER TABLE reconciliation_discrepancies DROP CONSTRAINT reconciliation_discrepancies_pkey;
ALTER TABLE reconciliation_discrepancies ADD PRIMARY KEY (run_id, account_id_utf8);

COMMENT ON COLUMN reconciliation_discrepancies.account_id IS 'The account id for people: exact unless it has a NUL, shown as \u0000.';
COMMENT ON COLUMN reconciliation_discrepancies.account_id_utf8 IS 'The account id exactly, as UTF-8.';
COMMENT ON COLUMN reconciliation_runs.quarantined IS 'Accounts whose newest account_balances row the cache sink set aside (account_balances_quarantine).';
