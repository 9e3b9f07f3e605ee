-- +goose Up
-- matching_pushes recorded the earlier feed-based push on publish; the
-- task service now asks the engine inside the publishing transaction
-- (docs/matching.md) and nothing writes or reads the table.
DROP TABLE matching_pushes;
