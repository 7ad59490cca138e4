"""Synthetic evaluation data in the real file formats.

* Open LLM Leaderboard v2 ``open-llm-leaderboard/contents``: one parquet file with the 36 real
  columns (one row per evaluated model x precision).
* MTEB ``mteb/results``: parquet shards ``data/train-0000K-of-0000N.parquet`` with columns
  model_name, model_revision, task_name, split, subset, language, score, is_public.

Scores are driven by a latent quality value per model (children = parent +- noise), so the
study's child-vs-parent comparisons have a known, non-trivial answer.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from ._util import iso, parse_iso

OLL_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("eval_name", pa.string()),
    ("Precision", pa.string()),
    ("Type", pa.string()),
    ("T", pa.string()),
    ("Weight type", pa.string()),
    ("Architecture", pa.string()),
    ("Model", pa.string()),
    ("fullname", pa.string()),
    ("Model sha", pa.string()),
    ("Average ⬆️", pa.float64()),
    ("Hub License", pa.string()),
    ("Hub ❤️", pa.int64()),
    ("#Params (B)", pa.float64()),
    ("Available on the hub", pa.bool_()),
    ("MoE", pa.bool_()),
    ("Flagged", pa.bool_()),
    ("Chat Template", pa.bool_()),
    ("CO₂ cost (kg)", pa.float64()),
    ("IFEval Raw", pa.float64()),
    ("IFEval", pa.float64()),
    ("BBH Raw", pa.float64()),
    ("BBH", pa.float64()),
    ("MATH Lvl 5 Raw", pa.float64()),
    ("MATH Lvl 5", pa.float64()),
    ("GPQA Raw", pa.float64()),
    ("GPQA", pa.float64()),
    ("MUSR Raw", pa.float64()),
    ("MUSR", pa.float64()),
    ("MMLU-PRO Raw", pa.float64()),
    ("MMLU-PRO", pa.float64()),
    ("Merged", pa.bool_()),
    ("Official Providers", pa.bool_()),
    ("Upload To Hub Date", pa.string()),
    ("Submission Date", pa.string()),
    ("Generation", pa.int64()),
    ("Base Model", pa.string()),
]
OLL_SCHEMA = pa.schema([pa.field(n, t) for n, t in OLL_COLUMNS])

# benchmark -> (random baseline used by the normalisation, low, high, slope, offset)
OLL_BENCH = [
    ("IFEval", 0.0, 0.12, 0.86, 1.0, 0.0),
    ("BBH", 0.25, 0.27, 0.70, 0.9, -0.2),
    ("MATH Lvl 5", 0.0, 0.0, 0.55, 1.2, -1.6),
    ("GPQA", 0.25, 0.23, 0.45, 0.7, -0.3),
    ("MUSR", 0.33, 0.31, 0.55, 0.7, -0.2),
    ("MMLU-PRO", 0.1, 0.10, 0.72, 1.0, -0.4),
]
OLL_TYPES = {
    "pretrained": "🟢 pretrained",
    "cpt": "🟩 continuously pretrained",
    "domain": "🔶 fine-tuned on domain-specific datasets",
    "chat": "💬 chat models (RLHF, DPO, IFT, ...)",
    "merge": "🤝 base merges and moerges",
}

MTEB_SCHEMA = pa.schema([
    pa.field("model_name", pa.string()),
    pa.field("model_revision", pa.string()),
    pa.field("task_name", pa.string()),
    pa.field("split", pa.string()),
    pa.field("subset", pa.string()),
    pa.field("language", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("is_public", pa.bool_()),
])

# (task_name, splits, [(subset, language)], slope, offset)  -- core tasks first
MTEB_TASKS: list[tuple[str, tuple[str, ...], list[tuple[str, str]], float, float]] = [
    ("Banking77Classification", ("test",), [("default", "eng-Latn")], 0.5, 0.0),
    ("STSBenchmark", ("test",), [("default", "eng-Latn")], 0.5, 0.0),
    ("SciFact", ("test",), [("default", "eng-Latn")], 0.5, 0.0),
    ("EmotionClassification", ("test",), [("default", "eng-Latn")], 0.45, -0.3),
    ("SprintDuplicateQuestions", ("test",), [("default", "eng-Latn")], 0.4, 2.5),
    ("AskUbuntuDupQuestions", ("test",), [("default", "eng-Latn")], 0.35, 0.55),
    ("STS12", ("test",), [("default", "eng-Latn")], 0.45, 0.9),
    ("BIOSSES", ("test",), [("default", "eng-Latn")], 0.5, 1.0),
    # extras
    ("STS13", ("test",), [("default", "eng-Latn")], 0.45, 1.1),
    ("STS14", ("test",), [("default", "eng-Latn")], 0.45, 1.0),
    ("STS15", ("test",), [("default", "eng-Latn")], 0.45, 1.5),
    ("STS16", ("test",), [("default", "eng-Latn")], 0.45, 1.3),
    ("STS17", ("test",), [("en-en", "eng-Latn"), ("en-de", "eng-Latn, deu-Latn"), ("es-es", "spa-Latn"),
                          ("fr-en", "fra-Latn, eng-Latn")], 0.5, 0.6),
    ("SICK-R", ("test",), [("default", "eng-Latn")], 0.4, 1.0),
    ("ImdbClassification", ("test",), [("default", "eng-Latn")], 0.5, 0.4),
    ("ToxicConversationsClassification", ("test",), [("default", "eng-Latn")], 0.4, 0.3),
    ("AmazonCounterfactualClassification", ("test",), [("en", "eng-Latn"), ("de", "deu-Latn"), ("ja", "jpn-Jpan"),
                                                       ("en-ext", "eng-Latn")], 0.4, 0.2),
    ("ArxivClusteringS2S", ("test",), [("default", "eng-Latn")], 0.4, -1.0),
    ("RedditClustering", ("test",), [("default", "eng-Latn")], 0.45, -0.2),
    ("TwentyNewsgroupsClustering", ("test",), [("default", "eng-Latn")], 0.45, -0.4),
    ("TwitterSemEval2015", ("test",), [("default", "eng-Latn")], 0.4, 0.5),
    ("SciDocsRR", ("test",), [("default", "eng-Latn")], 0.35, 1.4),
    ("NFCorpus", ("test",), [("default", "eng-Latn")], 0.5, -1.2),
    ("ArguAna", ("test",), [("default", "eng-Latn")], 0.5, -0.2),
    ("FiQA2018", ("test",), [("default", "eng-Latn")], 0.5, -1.1),
    ("SummEval", ("test",), [("default", "eng-Latn")], 0.2, -0.8),
    ("MSMARCO", ("dev",), [("default", "eng-Latn")], 0.5, -0.9),
    ("STSBenchmarkMultilingualSTS", ("test", "dev"), [("en", "eng-Latn"), ("de", "deu-Latn"), ("fr", "fra-Latn")],
     0.5, 0.8),
]
MTEB_CORE = 8
# scores the anchor all-MiniLM-L6-v2 gets on its main revision (latent quality 0.0)
MTEB_ANCHOR_TARGETS = {"Banking77Classification": 0.8004, "STSBenchmark": 0.8203, "SciFact": 0.6451}


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass
class OllModel:
    id: str
    sha: str
    likes: int
    license: str
    params: int
    architecture: str
    created_iso: str
    depth: int
    root_id: str
    relation: int  # 0 root, 1 finetune, 2 adapter, 3 quantized, 4 merge
    q: float
    chat: bool
    moe: bool
    official: bool
    available: bool = True


def oll_table(models: list[OllModel], rng: random.Random, retired_iso: str) -> pa.Table:
    """Rows of the leaderboard 'contents' file for the selected models."""
    cols: dict[str, list] = {n: [] for n, _ in OLL_COLUMNS}
    for m in models:
        precisions = ["bfloat16" if rng.random() < 0.72 else "float16"]
        if rng.random() < 0.08:
            precisions.append("float16" if precisions[0] == "bfloat16" else "bfloat16")
        if m.relation == 4:
            kind = "merge"
        elif m.relation == 0:
            kind = "pretrained"
        elif m.relation == 1:
            kind = "chat" if m.chat else ("cpt" if rng.random() < 0.1 else "domain")
        else:
            kind = "domain"
        typ = OLL_TYPES[kind]
        org_name = m.id.replace("/", "_")
        sub_date = _date_between(rng, m.created_iso[:10], retired_iso[:10])
        for k, prec in enumerate(precisions):
            raws = []
            for _name, _base, lo, hi, slope, off in OLL_BENCH:
                bonus = 0.7 if (_name == "IFEval" and m.chat) else 0.0
                raw = lo + (hi - lo) * _sig(slope * m.q + off + bonus) + rng.gauss(0.0, 0.006 if k == 0 else 0.004)
                raws.append(min(1.0, max(0.0, raw)))
            norms = []
            for (name, base, *_rest), raw in zip(OLL_BENCH, raws):
                norm = raw * 100.0 if base == 0.0 else max(0.0, (raw - base) / (1.0 - base)) * 100.0
                norms.append(norm)
            cols["eval_name"].append(f"{org_name}_{prec}")
            cols["Precision"].append(prec)
            cols["Type"].append(typ)
            cols["T"].append(typ.split(" ", 1)[0])
            cols["Weight type"].append("Adapter" if m.relation == 2 else "Original")
            cols["Architecture"].append(m.architecture)
            cols["Model"].append(
                f'<a target="_blank" href="https://huggingface.co/{m.id}" style="color: var(--link-text-color); '
                f'text-decoration: underline;text-decoration-style: dotted;">{m.id}</a>  '
                f'<a target="_blank" href="https://huggingface.co/datasets/open-llm-leaderboard/{m.id.replace("/", "__")}'
                f'-details" style="color: var(--link-text-color); text-decoration: underline;'
                f'text-decoration-style: dotted;">📑</a>'
            )
            cols["fullname"].append(m.id)
            cols["Model sha"].append(m.sha)
            cols["Average ⬆️"].append(sum(norms) / len(norms))
            cols["Hub License"].append(m.license)
            cols["Hub ❤️"].append(int(m.likes))
            cols["#Params (B)"].append(round(m.params / 1e9, 3))
            cols["Available on the hub"].append(m.available)
            cols["MoE"].append(m.moe)
            cols["Flagged"].append(rng.random() < 0.01)
            cols["Chat Template"].append(m.chat)
            cols["CO₂ cost (kg)"].append(round(0.15 + m.params / 1e9 * rng.uniform(0.08, 0.2), 3))
            for (name, *_r), raw, norm in zip(OLL_BENCH, raws, norms):
                cols[f"{name} Raw"].append(raw)
                cols[name].append(norm)
            cols["Merged"].append(m.relation == 4)
            cols["Official Providers"].append(m.official)
            cols["Upload To Hub Date"].append(m.created_iso[:10])
            cols["Submission Date"].append(sub_date)
            cols["Generation"].append(int(m.depth))
            cols["Base Model"].append(m.root_id)
    return pa.table(cols, schema=OLL_SCHEMA)


def _date_between(rng: random.Random, a: str, b: str) -> str:
    ta, tb = parse_iso(a), parse_iso(b)
    if tb <= ta:
        return a
    return iso(ta + rng.random() * (tb - ta))[:10]


@dataclass
class MtebModel:
    name: str
    revision: str
    q: float
    extra_revisions: list[str]
    external: bool
    public: bool
    anchor: bool = False


def _task_offset(task: str, slope: float, offset: float) -> float:
    target = MTEB_ANCHOR_TARGETS.get(task)
    if target is None:
        return offset
    return _logit(target)  # the anchor has latent quality 0.0


def mteb_rows(models: list[MtebModel], rng: random.Random) -> dict[str, list]:
    cols: dict[str, list] = {f.name: [] for f in MTEB_SCHEMA}

    def add(name: str, rev: str, task: str, split: str, subset: str, lang: str, score: float, public: bool) -> None:
        cols["model_name"].append(name)
        cols["model_revision"].append(rev)
        cols["task_name"].append(task)
        cols["split"].append(split)
        cols["subset"].append(subset)
        cols["language"].append(lang)
        cols["score"].append(round(min(0.9999, max(0.0001, score)), 6))
        cols["is_public"].append(public)

    for m in models:
        chosen = list(range(MTEB_CORE)) + [j for j in range(MTEB_CORE, len(MTEB_TASKS)) if rng.random() < 0.55]
        for j in chosen:
            task, splits, subsets, slope, offset = MTEB_TASKS[j]
            off = _task_offset(task, slope, offset)
            for split in splits:
                for subset, lang in subsets:
                    base = _sig(slope * m.q + off + (0.0 if subset in ("default", "en", "en-en") else -0.3))
                    noise = 0.0 if (m.anchor and task in MTEB_ANCHOR_TARGETS) else rng.gauss(0.0, 0.004)
                    add(m.name, m.revision, task, split, subset, lang, base + noise, m.public)
                    for rev in m.extra_revisions:
                        add(m.name, rev, task, split, subset, lang, base + rng.gauss(-0.004, 0.008), m.public)
                    if m.external:
                        add(m.name, "external", task, split, subset, lang, base + rng.gauss(0.012, 0.01), True)
    return cols


def write_mteb(out_dir: str, cols: dict[str, list], rows_per_shard: int = 100_000) -> list[str]:
    """Write the MTEB rows as >= 2 parquet shards under out_dir/data; return relative paths."""
    n = len(cols["model_name"])
    shards = max(2, -(-n // rows_per_shard))
    table = pa.table(cols, schema=MTEB_SCHEMA)
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    paths = []
    per = -(-n // shards) if n else 0
    for k in range(shards):
        part = table.slice(k * per, per) if n else table
        rel = f"data/train-{k:05d}-of-{shards:05d}.parquet"
        pq.write_table(part, os.path.join(out_dir, rel))
        paths.append(rel)
    return paths


def write_oll(out_dir: str, table: pa.Table) -> list[str]:
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    rel = "data/train-00000-of-00001.parquet"
    pq.write_table(table, os.path.join(out_dir, rel))
    return [rel]
