-- +goose Up
-- The keyword lists of the content rules (SEC-5), managed by admins
-- (backend/moderation). The backend checks every text a user writes
-- against them, and every edge fetches them from talentd's ops listener
-- (/keywords/block.txt, /keywords/review.txt).
CREATE TABLE moderation_keywords (
    list        text        NOT NULL CHECK (list IN ('block', 'review')),
    -- word is the keyword as the admin wrote it; it is matched normalized.
    word        text        NOT NULL CHECK (word <> '' AND char_length(word) <= 100 AND word !~ '[\r\n]'),
    note        text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    -- added_by is NULL for the seed lists.
    added_by    uuid        REFERENCES users (id) ON DELETE SET NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list, word)
);

-- moderation_list_versions counts the changes of each list: the version
-- goes up in the transaction of every change, is the ETag the edges send
-- back, and is what talentd processes poll to refresh their copy.
CREATE TABLE moderation_list_versions (
    list    text   PRIMARY KEY CHECK (list IN ('block', 'review')),
    version bigint NOT NULL
);

INSERT INTO moderation_list_versions (list, version) VALUES ('block', 1), ('review', 1);

-- The seed lists: the development examples of deploy/edge/keywords/*.txt
-- (a test checks they are the same). Admins change them from here on.
INSERT INTO moderation_keywords (list, word, note) VALUES
    ('block', '赌博', 'seed'),
    ('block', '网络赌场', 'seed'),
    ('block', '六合彩', 'seed'),
    ('block', '诈骗', 'seed'),
    ('block', '洗钱', 'seed'),
    ('block', '代开发票', 'seed'),
    ('block', '枪支', 'seed'),
    ('block', '毒品', 'seed'),
    ('review', '加微信', 'seed'),
    ('review', '私下交易', 'seed'),
    ('review', '刷单', 'seed'),
    ('review', '返利', 'seed');
