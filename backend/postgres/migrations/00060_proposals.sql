-- +goose Up
-- Proposals, invitations and engagements (TASK-2, issue 4 item 3).
--
-- A provider sends at most one proposal per task; a withdrawn one may be
-- sent again (the row is reused). status: pending, withdrawn, awarded,
-- declined (another proposal won).
CREATE TABLE proposals (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id       uuid        NOT NULL REFERENCES tasks (id),
    provider_id   uuid        NOT NULL REFERENCES users (id),
    price_fen     bigint      NOT NULL CHECK (price_fen > 0),
    timeline_days integer     NOT NULL CHECK (timeline_days BETWEEN 1 AND 365),
    cover_note    text        NOT NULL CHECK (char_length(cover_note) <= 5000),
    status        text        NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'withdrawn', 'awarded', 'declined')),
    shortlisted   boolean     NOT NULL DEFAULT false,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, provider_id)
);

CREATE INDEX proposals_provider_idx ON proposals (provider_id, update_time DESC);

-- task_invitations: a client asked a provider to send a proposal.
CREATE TABLE task_invitations (
    task_id     uuid        NOT NULL REFERENCES tasks (id),
    provider_id uuid        NOT NULL REFERENCES users (id),
    invited_by  uuid        NOT NULL REFERENCES users (id),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, provider_id)
);

CREATE INDEX task_invitations_provider_idx ON task_invitations (provider_id, create_time DESC);

-- engagements: an awarded task, between its client and the provider whose
-- proposal won, at the proposal's price.
CREATE TABLE engagements (
    task_id     uuid        PRIMARY KEY REFERENCES tasks (id),
    proposal_id uuid        NOT NULL UNIQUE REFERENCES proposals (id),
    client_id   uuid        NOT NULL REFERENCES users (id),
    provider_id uuid        NOT NULL REFERENCES users (id),
    price_fen   bigint      NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX engagements_provider_idx ON engagements (provider_id, create_time DESC);
