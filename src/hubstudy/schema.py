"""The public DuckDB schema: every table users query, with its columns and types.

The build creates these tables with exactly these definitions and then fills them, so the
schema is stable from one night to the next whatever the Hub sends. Views added by the study
and growth analyses live in their own modules; they only read these tables.

``TABLES`` maps a table name to (description, [(column, type, description)]). ``ddl()`` turns it
into CREATE TABLE statements; ``markdown()`` renders the README's schema section, and a test
checks that the README shows the same thing.
"""

from __future__ import annotations

Column = tuple[str, str, str]

TABLES: dict[str, tuple[str, list[Column]]] = {
    "models": (
        "Latest known state of every public model (one row per id).",
        [
            ("id", "VARCHAR", "repo id, `org/name`"),
            ("author", "VARCHAR", "owner (user or org)"),
            ("created_at", "TIMESTAMP", "`createdAt`; floored at 2022-03-02 23:29:04 for older repos"),
            ("created_before_floor", "BOOLEAN", "true when created_at sits on that floor (real date unknown, before March 2022)"),
            ("last_modified", "TIMESTAMP", "`lastModified`"),
            ("downloads_30d", "BIGINT", "`downloads`: downloads over the last 30 days"),
            ("downloads_all_time", "BIGINT", "`downloadsAllTime`"),
            ("likes", "BIGINT", "`likes`"),
            ("trending_score", "DOUBLE", "`trendingScore`"),
            ("pipeline_tag", "VARCHAR", "task, e.g. text-generation"),
            ("library_name", "VARCHAR", "e.g. transformers, peft, gguf"),
            ("license", "VARCHAR", "from `license:*` tags, else card data"),
            ("num_parameters", "BIGINT", "`safetensors.total`, else `gguf.total`"),
            ("gated", "VARCHAR", "false | auto | manual"),
            ("private", "BOOLEAN", "`private`"),
            ("disabled", "BOOLEAN", "`disabled`"),
            ("sha", "VARCHAR", "head commit"),
            ("tags", "VARCHAR[]", "all tags, as the Hub gives them"),
            ("n_parents", "INTEGER", "number of lineage parents (0 for a root or unrelated model)"),
            ("relation", "VARCHAR", "the model's relation to its parents (finetune, adapter, quantized, merge, unknown); NULL with no parent"),
            ("card_data", "JSON", "parsed card YAML (`cardData`), from the last crawl that fetched heavy fields"),
            ("model_index", "JSON", "`model-index` (self-reported evals, legacy format)"),
            ("eval_results", "JSON", "`evalResults` (self-reported evals, `.eval_results/*.yaml`)"),
            ("heavy_fetched_at", "DATE", "snapshot date of the crawl that fetched card_data / model_index"),
            ("first_seen", "DATE", "first snapshot date that listed the model"),
            ("snapshot_date", "DATE", "snapshot date of this row"),
        ],
    ),
    "datasets": (
        "Latest known state of every public dataset.",
        [
            ("id", "VARCHAR", "repo id"),
            ("author", "VARCHAR", "owner"),
            ("created_at", "TIMESTAMP", "`createdAt` (same floor as models)"),
            ("created_before_floor", "BOOLEAN", "created_at sits on the 2022-03-02 floor"),
            ("last_modified", "TIMESTAMP", "`lastModified`"),
            ("downloads_30d", "BIGINT", "`downloads`"),
            ("downloads_all_time", "BIGINT", "`downloadsAllTime`"),
            ("likes", "BIGINT", "`likes`"),
            ("trending_score", "DOUBLE", "`trendingScore`"),
            ("license", "VARCHAR", "from `license:*` tags"),
            ("gated", "VARCHAR", "false | auto | manual"),
            ("private", "BOOLEAN", "`private`"),
            ("disabled", "BOOLEAN", "`disabled`"),
            ("sha", "VARCHAR", "head commit"),
            ("tags", "VARCHAR[]", "all tags"),
            ("first_seen", "DATE", "first snapshot date that listed it"),
            ("snapshot_date", "DATE", "snapshot date of this row"),
        ],
    ),
    "spaces": (
        "Latest known state of every public space (app).",
        [
            ("id", "VARCHAR", "repo id"),
            ("author", "VARCHAR", "owner"),
            ("created_at", "TIMESTAMP", "`createdAt` (same floor as models)"),
            ("created_before_floor", "BOOLEAN", "created_at sits on the 2022-03-02 floor"),
            ("last_modified", "TIMESTAMP", "`lastModified`"),
            ("likes", "BIGINT", "`likes`"),
            ("trending_score", "DOUBLE", "`trendingScore`"),
            ("sdk", "VARCHAR", "gradio, streamlit, docker, static"),
            ("license", "VARCHAR", "from `license:*` tags"),
            ("private", "BOOLEAN", "`private`"),
            ("disabled", "BOOLEAN", "`disabled`"),
            ("sha", "VARCHAR", "head commit"),
            ("tags", "VARCHAR[]", "all tags"),
            ("first_seen", "DATE", "first snapshot date that listed it"),
            ("snapshot_date", "DATE", "snapshot date of this row"),
        ],
    ),
    "model_snapshots": (
        "One row per model per crawl date: how downloads and likes move.",
        [
            ("snapshot_date", "DATE", "crawl date"),
            ("id", "VARCHAR", "model id"),
            ("downloads_30d", "BIGINT", "`downloads` that night"),
            ("downloads_all_time", "BIGINT", "`downloadsAllTime` that night"),
            ("likes", "BIGINT", "`likes` that night"),
            ("trending_score", "DOUBLE", "`trendingScore` that night"),
        ],
    ),
    "lineage": (
        "Lineage edges child -> parent. A merge has one row per parent.",
        [
            ("child_id", "VARCHAR", "the derivative"),
            ("parent_id", "VARCHAR", "the parent, normalised: renamed repos resolved, case matched to a known id"),
            ("parent_declared", "VARCHAR", "the parent id exactly as declared"),
            ("relation", "VARCHAR", "finetune | adapter | quantized | merge | unknown"),
            ("source", "VARCHAR", "tags (Hub-computed `base_model:<relation>:<id>`) or card (`cardData.base_model`)"),
            ("parent_exists", "BOOLEAN", "the parent is a model in the `models` table"),
        ],
    ),
    "model_family": (
        "Every model's family root and generation depth, following the primary parent.",
        [
            ("id", "VARCHAR", "model id"),
            ("root_id", "VARCHAR", "the ancestor with no parent reached through primary parents (NULL inside a cycle)"),
            ("depth", "INTEGER", "edges from the root (0 for a root; NULL inside a cycle)"),
            ("n_parents", "INTEGER", "number of direct parents"),
            ("in_cycle", "BOOLEAN", "the model's ancestry loops back on itself (reported in `quarantine`)"),
        ],
    ),
    "crawl_runs": (
        "One row per repo type per crawl run: what it cost and how it ended.",
        [
            ("run_id", "VARCHAR", "unique run id"),
            ("snapshot_date", "DATE", "the snapshot the run writes"),
            ("repo_type", "VARCHAR", "model | dataset | space"),
            ("mode", "VARCHAR", "full (first crawl: one pass with heavy fields) or incremental (light pass + changed)"),
            ("status", "VARCHAR", "running | complete | failed | interrupted (killed; a later run resumed it)"),
            ("started_at", "TIMESTAMP", "UTC"),
            ("finished_at", "TIMESTAMP", "UTC"),
            ("requests", "BIGINT", "HTTP requests sent, retries included"),
            ("listing_requests", "BIGINT", "listing pages requested (successful answers)"),
            ("pages", "BIGINT", "pages stored"),
            ("rows", "BIGINT", "repo records stored by the light (or full) pass"),
            ("heavy_rows", "BIGINT", "records stored with heavy fields"),
            ("retries", "BIGINT", "requests retried after a 408/5xx/timeout/dropped connection"),
            ("http_429", "BIGINT", "429 answers received"),
            ("rate_limit_waits", "BIGINT", "pauses taken to stay under the quota"),
            ("rate_limit_wait_s", "DOUBLE", "seconds spent in those pauses"),
            ("resumed", "BOOLEAN", "the run continued an interrupted one"),
            ("error", "VARCHAR", "why it failed, when it did"),
        ],
    ),
    "quarantine": (
        "Records or values that could not be used as sent, with the reason. Nothing is dropped silently.",
        [
            ("snapshot_date", "DATE", "crawl date"),
            ("stage", "VARCHAR", "crawl | lineage | family | evals | build"),
            ("repo_type", "VARCHAR", "model | dataset | space"),
            ("id", "VARCHAR", "repo id when known"),
            ("reason", "VARCHAR", "machine-readable reason, e.g. duplicate_id, bad_base_model, lineage_cycle"),
            ("detail", "VARCHAR", "human-readable detail"),
            ("raw", "VARCHAR", "the offending value, truncated to 2000 characters"),
        ],
    ),
    "quality_checks": (
        "The quality gate run before publishing: each check with its measured value and threshold.",
        [
            ("snapshot_date", "DATE", "crawl date"),
            ("check_name", "VARCHAR", "what is checked"),
            ("measured", "DOUBLE", "measured value"),
            ("threshold", "DOUBLE", "the limit"),
            ("passed", "BOOLEAN", "measured is within the threshold"),
            ("detail", "VARCHAR", "what the numbers mean"),
        ],
    ),
}


def ddl(table: str) -> str:
    """CREATE TABLE statement for one public table."""
    _, cols = TABLES[table]
    body = ",\n  ".join(f'"{name}" {typ}' for name, typ, _ in cols)
    return f'CREATE TABLE "{table}" (\n  {body}\n)'


def columns(table: str) -> list[str]:
    return [name for name, _, _ in TABLES[table][1]]


def markdown() -> str:
    """The schema as Markdown, one section per table (used in the README)."""
    out: list[str] = []
    for table, (desc, cols) in TABLES.items():
        out.append(f"#### `{table}`\n{desc}\n")
        out.append("| column | type | meaning |\n|---|---|---|")
        for name, typ, what in cols:
            out.append(f"| `{name}` | {typ} | {what} |")
        out.append("")
    return "\n".join(out)
