-- Which projector application id readers use (./tally rebuild switches it when a rebuilt
-- projection agrees with the live one). One row; absent until the first switch.
CREATE TABLE projector_live_application (
    id                      int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    application_id          text NOT NULL,
    previous_application_id text,
    switched_at             timestamptz NOT NULL DEFAULT now()
);
