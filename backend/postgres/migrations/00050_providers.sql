-- +goose Up
-- Provider profiles and vetting (requirement ID-2; SEC-2 for the ID number,
-- SEC-4 for hidden portfolio items).

CREATE TABLE provider_profiles (
    user_id         uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- Rates in fen (1/100 yuan); 0 means not given.
    hourly_rate_fen bigint      NOT NULL DEFAULT 0 CHECK (hourly_rate_fen >= 0),
    daily_rate_fen  bigint      NOT NULL DEFAULT 0 CHECK (daily_rate_fen >= 0),
    city            text        NOT NULL DEFAULT '' CHECK (char_length(city) <= 60),
    -- time_zone is an IANA name, checked by the service.
    time_zone       text        NOT NULL CHECK (time_zone <> ''),
    availability    text        NOT NULL CHECK (availability IN ('full_time', 'part_time', 'weekends', 'unavailable')),
    bio             text        NOT NULL DEFAULT '' CHECK (char_length(bio) <= 4000),
    -- vetting_status mirrors the latest submission: only 'approved' and
    -- not suspended may take work.
    vetting_status  text        NOT NULL DEFAULT 'not_submitted'
                                CHECK (vetting_status IN ('not_submitted', 'submitted', 'approved', 'rejected')),
    suspended       boolean     NOT NULL DEFAULT false,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provider_skills (
    user_id uuid     NOT NULL REFERENCES provider_profiles (user_id) ON DELETE CASCADE,
    tag     text     NOT NULL CHECK (tag <> ''),
    level   smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, tag)
);

CREATE INDEX provider_skills_tag_idx ON provider_skills (tag);

-- provider_files are objects in the private documents bucket. A file is
-- 'pending' from CreateUpload until CompleteUpload verified the object.
CREATE TABLE provider_files (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('portfolio', 'id_front', 'id_back', 'certificate')),
    object_key   text        NOT NULL UNIQUE,
    filename     text        NOT NULL CHECK (char_length(filename) <= 200),
    content_type text        NOT NULL,
    size_bytes   bigint      NOT NULL CHECK (size_bytes > 0),
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX provider_files_user_idx ON provider_files (user_id);

CREATE TABLE portfolio_items (
    -- id is stable across saves: privacy settings name hidden items by it.
    id          uuid    NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    user_id     uuid    NOT NULL REFERENCES provider_profiles (user_id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    title       text    NOT NULL CHECK (title <> '' AND char_length(title) <= 120),
    description text    NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
    links       text[]  NOT NULL DEFAULT '{}',
    file_ids    uuid[]  NOT NULL DEFAULT '{}',
    -- hidden items stay off the public profile (privacy mode, SEC-4).
    hidden      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, position)
);

-- vetting_submissions keeps every submission: the history survives a
-- rejection and a resubmission.
CREATE TABLE vetting_submissions (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           uuid        NOT NULL REFERENCES provider_profiles (user_id) ON DELETE CASCADE,
    status            text        NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
    -- The ID number, AES-256-GCM sealed under the key named by
    -- id_number_key_id (SEC-1); id_number_masked is all anyone sees.
    id_number_sealed  bytea       NOT NULL,
    id_number_key_id  text        NOT NULL,
    id_number_masked  text        NOT NULL,
    id_front_file     uuid        NOT NULL REFERENCES provider_files (id),
    id_back_file      uuid        NOT NULL REFERENCES provider_files (id),
    -- certificates: [{"name","issuer","number","expiry_date","file_id"}].
    certificates      jsonb       NOT NULL DEFAULT '[]',
    submit_time       timestamptz NOT NULL DEFAULT now(),
    decide_time       timestamptz,
    decided_by        uuid        REFERENCES users (id),
    reason            text        NOT NULL DEFAULT ''
);

-- At most one submission per provider awaits review.
CREATE UNIQUE INDEX vetting_submissions_open_key ON vetting_submissions (user_id) WHERE status = 'submitted';
CREATE INDEX vetting_submissions_queue_idx ON vetting_submissions (submit_time, id) WHERE status = 'submitted';
CREATE INDEX vetting_submissions_user_idx ON vetting_submissions (user_id, submit_time DESC);
