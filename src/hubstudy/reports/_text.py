"""Fixed wording shared by the pages: definitions, caveats, the claims under test.

The definitions marked "study" are the study design's own sentences, kept word for word as the
design asks; the rest is written for these reports.
"""

from __future__ import annotations

# Word for word from the study design ("Definitions"): shown wherever derivatives or shares appear.
DERIVATIVE = (
    "Derivative: a model with at least one lineage edge child -> parent. Relation is one of "
    "finetune, adapter, quantized, merge (unknown when the Hub gives none). A merge has several parents."
)
SHARES = "Every share is reported with its n and a 95% Wilson interval. Relative drop = (parent - child) / parent."

# The study design's definitions, used on the study page only when `hubstudy.study` cannot be
# imported (its STUDY_DEFINITIONS is the source of truth).
STUDY_FALLBACK = """\
- Derivative: a model with at least one lineage edge child -> parent. Relation is one of
  finetune, adapter, quantized, merge (unknown when the Hub gives none). A merge has several parents.
- Comparable scores: same source (uniform harness), same benchmark key. For the leaderboard the key is
  the benchmark; for MTEB it is (task_name, split, subset); for self-reported scores it is
  (dataset type or id, config, split, metric type).
- Leaderboard headline: a model's score on a benchmark is the mean of its rows' `<X> Raw` values.
  For each edge where both sides have scores, child_mean and parent_mean are the means over the
  benchmarks both have. The child underperforms when child_mean < parent_mean.
- MTEB headline: exclude `external` rows; a model's score on a key is the mean over its revisions;
  require at least 5 shared keys; the child underperforms when its mean over the shared keys is below
  the parent's.
- Every share is reported with its n and a 95% Wilson interval. Relative drop = (parent - child) / parent.
"""

CREATED_FLOOR = (
    "The Hub reports createdAt as 2022-03-02 23:29:04 UTC for every repo created before that moment; "
    "their real creation month is unknown. They are shown as one bucket, 'before March 2022', in a "
    "panel of its own, never as a spike in March 2022."
)
SURVIVORS = (
    "Counts cover repos that are public at the latest crawl. Deleted and private repos are missing, so "
    "past months are under-counted compared with what the Hub held at the time."
)
DECLARED_LINEAGE = (
    "Lineage is what uploaders declare (base_model tags and card metadata). Undeclared derivatives are "
    "invisible, so derivative counts and family sizes are lower bounds."
)
DOWNLOADS = (
    "Downloads are the Hub's rolling 30-day counts as reported on each snapshot night; they include "
    "automated traffic (CI, mirrors) and are not unique users."
)

# The article's claims as the study design lists them (paraphrased for the page).
CLAIMS = {
    "C1": "The Hub hosts over a million models, datasets and apps.",
    "C2": "Improper fine-tuning causes accuracy drops of 20% to 40%.",
    "C3": "A fine-tune of all-MiniLM-L6-v2 fell from about 70% to 50%.",
    "C4": "Fine-tunes often underperform their parents (catastrophic forgetting).",
    "C5": "More pre-training can make post-training worse (OLMo-1B 3T vs 2.3T).",
    "C6": "PEFT can undo safety guardrails.",
}
