-- The article's claims C2-C6 against the data, one row each, for the claims page (C1, growth, is
-- computed elsewhere). figure is a share for C2, C3 and C4 (with its 95% Wilson interval) and a
-- Spearman correlation for C5 (with a Fisher interval); C6 is out of scope.
-- Columns: claim, statement, figure, n, k, ci_low, ci_high, verdict, definition.
WITH uniform_pairs AS (
    SELECT * FROM pair_outcomes WHERE uniform
),
c2 AS (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE rel_drop >= 0.2) AS k,
           count(*) FILTER (WHERE rel_drop >= 0.4) AS k40
    FROM uniform_pairs WHERE rel_drop IS NOT NULL
),
c3 AS (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE child_below) AS k,
           count(*) FILTER (WHERE rel_drop >= 0.2) AS k20,
           max(rel_drop) AS max_drop
    FROM pair_outcomes
    WHERE parent_id = 'sentence-transformers/all-MiniLM-L6-v2' AND source = 'mteb'
),
c4 AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE child_below) AS k FROM uniform_pairs
),
c5 AS (
    SELECT max(n) AS n, max(spearman_rho) AS rho, max(rho_ci_low) AS lo, max(rho_ci_high) AS hi
    FROM study_parent_size_effect WHERE source = 'open_llm_leaderboard'
),
defs AS (
    SELECT
        string_agg(definition, ' ' ORDER BY ord) FILTER (WHERE term IN ('comparable', 'leaderboard', 'mteb', 'shares')) AS c2,
        string_agg(definition, ' ' ORDER BY ord) FILTER (WHERE term IN ('derivative', 'comparable', 'mteb', 'shares')) AS c3,
        string_agg(definition, ' ' ORDER BY ord) AS c4,
        string_agg(definition, ' ' ORDER BY ord) FILTER (WHERE term IN ('derivative', 'comparable', 'leaderboard', 'shares')) AS c5
    FROM study_definitions
)
SELECT 'C2' AS claim,
       'accuracy drops of 20% to 40% after improper fine-tuning' AS statement,
       k / nullif(n, 0) AS figure, n, k, wilson_low(k, n) AS ci_low, wilson_high(k, n) AS ci_high,
       CASE WHEN n = 0 THEN 'No derivative and parent share a uniform benchmark yet, so the claim cannot be checked.'
            ELSE printf('%.1f%% of %d child-parent comparisons on uniform benchmarks fall by 20%% or more (95%% CI %.1f-%.1f%%), %.1f%% by 40%% or more: such drops %s.',
                        100.0 * k / n, n, 100 * wilson_low(k, n), 100 * wilson_high(k, n), 100.0 * k40 / n,
                        CASE WHEN wilson_high(k, n) < 0.1 THEN 'happen but are rare'
                             WHEN wilson_low(k, n) > 0.5 THEN 'are the rule'
                             WHEN wilson_high(k, n) < 0.5 THEN 'happen in a minority of cases'
                             ELSE 'are about as common as not' END)
       END AS verdict,
       (SELECT c2 FROM defs) AS definition
FROM c2
UNION ALL
SELECT 'C3',
       'a fine-tune of all-MiniLM-L6-v2 fell from ~70% to 50%',
       k / nullif(n, 0), n, k, wilson_low(k, n), wilson_high(k, n),
       CASE WHEN n = 0 THEN 'No derivative of sentence-transformers/all-MiniLM-L6-v2 shares 5 or more MTEB keys with it, so the claim cannot be checked on uniform scores.'
            ELSE printf('%d of %d derivatives of all-MiniLM-L6-v2 with MTEB scores score below it (%.1f%%, 95%% CI %.1f-%.1f%%); %d with a drop of 20%% or more; the largest relative drop is %.1f%%.',
                        k, n, 100.0 * k / n, 100 * wilson_low(k, n), 100 * wilson_high(k, n), k20, 100 * max_drop)
       END,
       (SELECT c3 FROM defs)
FROM c3
UNION ALL
SELECT 'C4',
       'fine-tunes often underperform their parents (catastrophic forgetting)',
       k / nullif(n, 0), n, k, wilson_low(k, n), wilson_high(k, n),
       CASE WHEN n = 0 THEN 'No derivative and parent share a uniform benchmark yet, so the claim cannot be checked.'
            ELSE printf('%.1f%% of %d derivatives compared with their parent on uniform benchmarks score below it (95%% CI %.1f-%.1f%%): %s.',
                        100.0 * k / n, n, 100 * wilson_low(k, n), 100 * wilson_high(k, n),
                        CASE WHEN wilson_low(k, n) > 0.5 THEN 'most derivatives underperform their parent, as claimed'
                             WHEN wilson_high(k, n) < 0.5 THEN 'fewer than half underperform their parent, so underperforming is not the rule'
                             ELSE 'the share cannot be told apart from one half' END)
       END,
       (SELECT c4 FROM defs)
FROM c4
UNION ALL
SELECT 'C5',
       'more pre-training can make post-training worse',
       rho, n, NULL, lo, hi,
       CASE WHEN rho IS NULL OR n < 4 THEN 'Exploratory: too few leaderboard pairs with a known parent size to test.'
            ELSE printf('Exploratory: the Spearman correlation between parent size and relative drop is %.2f over %d leaderboard pairs (95%% CI %.2f to %.2f): %s. Pre-training length is not on the Hub, so only size is tested.',
                        rho, n, lo, hi,
                        CASE WHEN lo > 0 THEN 'derivatives of larger parents fall further'
                             WHEN hi < 0 THEN 'derivatives of larger parents fall less'
                             ELSE 'no clear association' END)
       END,
       (SELECT c5 FROM defs)
FROM c5
UNION ALL
SELECT 'C6',
       'PEFT can undo safety guardrails',
       NULL, NULL, NULL, NULL, NULL,
       'Out of scope: no score collected here (leaderboard, MTEB, self-reported) measures safety guardrails.',
       NULL
