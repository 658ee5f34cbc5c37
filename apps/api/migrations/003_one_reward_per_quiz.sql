-- One reward per learner and quiz, whatever the number of passed submissions,
-- instances or concurrent requests: the claim carries its quiz and (user, quiz)
-- is unique. Claims made before this migration keep their row; only the first
-- claim of each (user, quiz) gets its quiz id, so the index can be built over
-- data that was already farmed (later duplicates keep quiz_id NULL).
ALTER TABLE reward_claims ADD COLUMN IF NOT EXISTS quiz_id text REFERENCES quizzes(id);
UPDATE reward_claims c SET quiz_id = s.quiz_id
FROM submissions s
WHERE s.id = c.submission_id AND c.quiz_id IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM reward_claims e JOIN submissions es ON es.id = e.submission_id
    WHERE e.user_id = c.user_id AND es.quiz_id = s.quiz_id AND (e.created_at, e.id) < (c.created_at, c.id)
  );
CREATE UNIQUE INDEX IF NOT EXISTS reward_claims_one_per_learner_quiz ON reward_claims (user_id, quiz_id);
