-- name: InsertReview :one
-- InsertReview returns no row when the reviewer already reviewed the task.
INSERT INTO reviews (task_id, reviewer_id, reviewee_id, stars, body, create_time)
VALUES (@task_id, @reviewer_id, @reviewee_id, @stars, @body, @create_time)
ON CONFLICT (task_id, reviewer_id) DO NOTHING
RETURNING id;

-- name: GetReview :one
-- GetReview reads a review with whether it is revealed at @now: the other
-- party reviewed too, or it was written 14 days ago or more.
SELECT r.*, t.ref_no AS task_ref_no, u.display_name AS reviewer_display_name,
       (EXISTS (SELECT 1 FROM reviews o WHERE o.task_id = r.task_id AND o.reviewer_id = r.reviewee_id)
        OR r.create_time <= sqlc.arg(now)::timestamptz - interval '14 days')::boolean AS revealed
FROM reviews r
JOIN tasks t ON t.id = r.task_id
JOIN users u ON u.id = r.reviewer_id
WHERE r.id = @id;

-- name: ListTaskReviews :many
SELECT r.*, t.ref_no AS task_ref_no, u.display_name AS reviewer_display_name,
       (EXISTS (SELECT 1 FROM reviews o WHERE o.task_id = r.task_id AND o.reviewer_id = r.reviewee_id)
        OR r.create_time <= sqlc.arg(now)::timestamptz - interval '14 days')::boolean AS revealed
FROM reviews r
JOIN tasks t ON t.id = r.task_id
JOIN users u ON u.id = r.reviewer_id
WHERE r.task_id = @task_id
ORDER BY r.create_time, r.id;

-- name: ListUserReviews :many
-- ListUserReviews lists the revealed reviews a user received and did not
-- hide, newest first.
SELECT r.*, t.ref_no AS task_ref_no, u.display_name AS reviewer_display_name, true AS revealed
FROM reviews r
JOIN tasks t ON t.id = r.task_id
JOIN users u ON u.id = r.reviewer_id
WHERE r.reviewee_id = @reviewee_id AND NOT r.hidden_by_reviewee
  AND (EXISTS (SELECT 1 FROM reviews o WHERE o.task_id = r.task_id AND o.reviewer_id = r.reviewee_id)
       OR r.create_time <= sqlc.arg(now)::timestamptz - interval '14 days')
ORDER BY r.create_time DESC, r.id
LIMIT 100;

-- name: SetReply :execrows
-- SetReply stores the reviewee's reply; it changes nothing when they
-- replied before.
UPDATE reviews SET reply = @reply, reply_time = @reply_time
WHERE id = @id AND reviewee_id = @reviewee_id AND reply_time IS NULL;

-- name: SetHidden :execrows
UPDATE reviews SET hidden_by_reviewee = @hidden
WHERE id = @id AND reviewee_id = @reviewee_id;

-- name: TakeDownReview :one
-- TakeDownReview hides a review from everyone but its reviewer and admins
-- (SEC-5).
UPDATE reviews SET takedown_reason = @reason WHERE id = @id RETURNING id;

-- name: TakeDownReply :one
-- TakeDownReply hides a review's reply from everyone but the reviewee and
-- admins (SEC-5).
UPDATE reviews SET reply_takedown_reason = @reason WHERE id = @id RETURNING id;

-- name: RatingSummaries :many
-- RatingSummaries counts and sums the stars of the revealed reviews each
-- reviewee received, hidden ones included: those named (all with none
-- named). A review is revealed once the other side reviewed too or 14 days
-- have passed.
SELECT r.reviewee_id, count(*)::int AS n, coalesce(sum(r.stars), 0)::bigint AS total
FROM reviews r
WHERE (cardinality(@reviewee_ids::uuid[]) = 0 OR r.reviewee_id = ANY (@reviewee_ids::uuid[]))
  AND (EXISTS (SELECT 1 FROM reviews o WHERE o.task_id = r.task_id AND o.reviewer_id = r.reviewee_id)
       OR r.create_time <= sqlc.arg(now)::timestamptz - interval '14 days')
GROUP BY r.reviewee_id;
