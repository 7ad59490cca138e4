"""Synthetic Hugging Face Hub world: generator (:func:`generate`) and nightly drift (:func:`mutate`).

The world directory layout is described in ``docs/contracts.md``::

    world.json                 manifest {"generated": true, "seed", "now", "counts", ...}
    models.jsonl               one full Hub model record per line
    datasets.jsonl             one full dataset record per line (incl. the eval-data repos)
    spaces.jsonl               one full space record per line
    redirects.json             {"model": {old: new}, "dataset": {...}, "space": {...}}
    files/datasets/<org>/<name>/<path>
                               repository files (Open LLM Leaderboard contents, mteb/results shards)
    .cache/<kind>s.store       written by the replay server, not by the generator: each JSONL
                               compiled for mmapped serving (see :mod:`hubstudy.replay._diskstore`);
                               rebuilt when its JSONL changes, removed by :func:`generate`

How the world is built (deterministic for a given seed, ``now`` and sizes):

* Creation times follow exponential growth from 2021-01-01 to ``now``; times before
  2022-03-02T23:29:04.000Z are floored to exactly that value (ObjectId timestamp 0x621ffdc1).
* Models fall in categories (LLMs, embedders, encoders, diffusion, speech, ...). A new model is a
  root or a derivative of an earlier model, picked with preferential attachment (popular and
  recent parents are likelier), so families grow several generations deep. Relations: finetune,
  adapter (``peft``; diffusion LoRAs use ``diffusers``), quantized (mostly GGUF, nearly always
  leaves) and merge (2-4 parents, text generation).
* Lineage is written the way the Hub does: per parent the tags ``base_model:<p>`` and
  ``base_model:<relation>:<p>``, plus ``cardData.base_model`` (string, list for merges) and
  sometimes ``cardData.base_model_relation``.
* Edge cases, each around 0.5% of derivatives: parents that do not exist (deleted), parents
  declared by an old name (listed in redirects.json), parents declared with different letter
  case, lineage only in cardData (no tags, relation unknown), base_model of a bad type; plus a
  handful of self-loops and 2-cycles. ``world.json`` lists them under ``edge_cases``.
* Evaluation data: self-reported ``model-index`` (some malformed), ``evalResults``, the Open LLM
  Leaderboard contents parquet and ``mteb/results`` parquet shards.

Memory stays bounded: pass 1 keeps lineage in compact arrays (a few tens of bytes per model),
pass 2 streams records to the JSONL files.
"""

from __future__ import annotations

import math
import os
import random
import shutil
from array import array
from bisect import bisect_left
from typing import Any

import orjson

from . import _catalog as K
from . import _evals as EV
from ._util import (
    DEFAULT_NOW_ISO,
    FLOOR_EPOCH,
    FLOOR_ISO,
    START_EPOCH,
    FingerprintSet,
    StrTable,
    digest_hex,
    gen_name,
    iso,
    object_id,
    parse_iso,
)

FORMAT_VERSION = 1
YEAR = 365.25 * 86400
GROWTH_PER_YEAR = 0.95
T_2022 = parse_iso("2022-01-01")
T_2023_06 = parse_iso("2023-06-01")
T_2024_06 = parse_iso("2024-06-01")
OLL_RETIRED = "2025-03-13T00:00:00.000Z"
EVAL_RESULTS_SINCE = parse_iso("2025-06-01")

PIPELINES: list[str | None] = [None] + sorted(
    {p for c in K.CATEGORIES for p, _ in c.pipelines if p} | {a[5] for a in K.ANCHORS}
)
PIPE_INDEX = {p: i for i, p in enumerate(PIPELINES)}
LICENSES: list[str] = sorted({lic for c in K.CATEGORIES for lic, _ in c.licenses} | {a[8] for a in K.ANCHORS})
LIC_INDEX = {x: i for i, x in enumerate(LICENSES)}
QUANT_FORMATS = ["gguf", "awq", "gptq", "bnb", "exl2", "mlx", "onnx"]
QF_INDEX = {x: i for i, x in enumerate(QUANT_FORMATS)}
CHATTY = {"Instruct", "chat", "dpo", "orpo", "it", "sft", "kto", "grpo", "RP", "tool-use", "SFT-v1", "DPO-full",
          "ultrachat", "alpaca", "-Chat", "-Instruct"}
PIPE_TO_CAT = {
    "text-generation": "llm", "sentence-similarity": "embed", "feature-extraction": "embed", "fill-mask": "encoder",
    "text-classification": "enctask", "token-classification": "enctask", "question-answering": "enctask",
    "text-to-image": "diffusion", "automatic-speech-recognition": "speech", "image-classification": "vision",
    "object-detection": "vision", "image-segmentation": "vision", "text2text-generation": "seq2seq",
    "summarization": "seq2seq", "translation": "seq2seq",
}

F_ANCHOR, F_FIXED, F_CHAT = 1, 2, 4


# ----------------------------------------------------------------------------------------
# small random helpers
# ----------------------------------------------------------------------------------------
class _Weighted:
    """Fast weighted choice over a fixed list (cumulative weights + bisect)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: list[tuple[Any, float]]):
        self.items = [p[0] for p in pairs]
        self.cum = []
        acc = 0.0
        for _, w in pairs:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def pick(self, rng: random.Random) -> Any:
        return self.items[min(len(self.items) - 1, bisect_left(self.cum, rng.random() * self.total))]


def _size_str(params: int) -> str:
    if params >= 1e9:
        v = params / 1e9
        s = f"{v:.1f}".rstrip("0").rstrip(".") if v < 10 else f"{v:.0f}"
        return s + "B"
    return f"{params / 1e6:.0f}M"


def _safe_stem(stem: str) -> str:
    """Stems never end in ``-<digits>`` (that suffix is reserved for per-org uniqueness)."""
    stem = stem.strip("-").replace("--", "-")
    if stem.rsplit("-", 1)[-1].isdigit():
        stem += "x"
    return stem


def _short(stem: str) -> str:
    return "-".join(stem.split("-")[:2])


def _strip_counter(name: str) -> str:
    head, _, tail = name.rpartition("-")
    return head if head and tail.isdigit() else name


def _case_variant(pid: str) -> str:
    org, _, name = pid.partition("/")
    v = org.swapcase() + "/" + name
    if v.lower() != pid.lower() or v == pid:
        v = org + "/" + name.swapcase()
    if v == pid:
        v = pid.upper() if pid.upper() != pid else pid.lower()
    return v


# ----------------------------------------------------------------------------------------
# model record builder (shared by generate and mutate)
# ----------------------------------------------------------------------------------------
class Spec:
    """Everything needed to render one model record."""

    __slots__ = (
        "index", "id", "cat", "pipeline", "library", "mtype", "params", "rel", "parents", "edge", "created",
        "lastmod", "sha", "license", "chat", "qfmt", "quant_suffix", "anchor", "fixed", "nchild", "q", "gated",
        "datasets", "seed", "now", "has_card", "stats",
    )

    def __init__(self, **kw: Any) -> None:
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def _lineage_fields(s: Spec, rng: random.Random) -> tuple[list[tuple[str, str]], Any, str | None]:
    """(tag parents [(declared id, relation)], cardData.base_model value, base_model_relation)."""
    if s.rel == K.REL_NONE or not s.parents:
        return [], None, None
    rel = K.REL_NAMES[s.rel]
    parents = list(s.parents)
    edge = s.edge
    if edge == "badtype":
        bad = 20240101 + (s.index or 0) % 1000 if rng.random() < 0.5 else {"name": parents[0], "source": "hub"}
        return [], bad, None
    if edge == "cardonly":
        card_bm: Any = parents if (s.rel == K.REL_ME or len(parents) > 1) else parents[0]
        return [], card_bm, None
    tag_parents = [(p, rel) for p in parents]
    if s.rel == K.REL_ME or len(parents) > 1:
        card_bm = parents
    else:
        card_bm = [parents[0]] if rng.random() < 0.08 else parents[0]
    relation = rel if rng.random() < 0.4 else None
    return tag_parents, card_bm, relation


def _siblings(s: Spec, name: str, rng: random.Random) -> list[dict]:
    lib = s.library
    files = [".gitattributes", "README.md"]
    if lib == "gguf":
        base = _strip_counter(name).replace("-GGUF", "").replace("-i1", "")
        quants = ["Q4_K_M", "Q5_K_M", "Q8_0", "Q2_K", "Q6_K", "IQ4_XS"]
        files += [f"{base}.{q}.gguf" for q in quants[: 1 + int(rng.random() * 5)]]
    elif lib == "peft":
        files += ["adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    elif lib == "diffusers":
        if s.rel == K.REL_AD:
            files += ["pytorch_lora_weights.safetensors", "image_0.png"]
        else:
            files += ["model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
                      "vae/config.json", "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json",
                      "scheduler/scheduler_config.json"]
    elif lib == "sentence-transformers":
        files += ["config.json", "config_sentence_transformers.json", "model.safetensors", "modules.json",
                  "sentence_bert_config.json", "1_Pooling/config.json", "tokenizer.json", "vocab.txt"]
    elif lib in ("transformers", "timm"):
        files.append("config.json")
        params = s.params or 0
        if params > 4e9:
            n = max(2, min(30, int(params / 4.5e9) + 1))
            files += [f"model-{k:05d}-of-{n:05d}.safetensors" for k in range(1, n + 1)]
            files.append("model.safetensors.index.json")
        else:
            files.append("model.safetensors")
        if s.pipeline == "text-generation":
            files += ["generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
        elif lib == "transformers":
            files += ["tokenizer_config.json", "vocab.txt" if rng.random() < 0.5 else "tokenizer.json"]
    elif lib == "stable-baselines3":
        files += [f"{name}.zip", "config.json", "replay.mp4", "results.json"]
    elif lib == "mlx":
        files += ["config.json", "model.safetensors", "tokenizer.json"]
    elif lib == "onnx":
        files += ["config.json", "onnx/model.onnx", "onnx/model_quantized.onnx", "tokenizer.json"]
    elif lib == "keras":
        files += ["saved_model.pb", "keras_metadata.pb", "variables/variables.index"]
    else:
        if rng.random() < 0.5:
            files.append("model.pt" if rng.random() < 0.5 else "pytorch_model.bin")
    return [{"rfilename": f} for f in files]


def _llm_model_index(rng: random.Random, mid: str, q: float, created: float) -> list:
    src = {"name": "Open LLM Leaderboard",
           "url": f"https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query={mid}"}
    res = []

    def one(task_name: str, ds_name: str, ds_type: str, config: str | None, split: str, shots: int | None,
            metrics: list[tuple[str, str | None, float]]) -> None:
        ds: dict[str, Any] = {"name": ds_name, "type": ds_type}
        if config:
            ds["config"] = config
        ds["split"] = split
        if shots is not None:
            ds["args"] = {"num_few_shot": shots}
        mets = []
        for mtype, mname, val in metrics:
            m: dict[str, Any] = {"type": mtype}
            if mname:
                m["name"] = mname
            m["value"] = val
            m["verified"] = False
            mets.append(m)
        res.append({"task": {"type": "text-generation", "name": task_name}, "dataset": ds, "metrics": mets,
                    "source": dict(src)})

    def v(lo: float, hi: float, slope: float, off: float) -> float:
        return round(lo + (hi - lo) * EV._sig(slope * q + off) + rng.gauss(0, 0.8), 2)

    if created < T_2024_06:
        one("Text Generation", "AI2 Reasoning Challenge (25-Shot)", "ai2_arc", "ARC-Challenge", "test", 25,
            [("acc_norm", "normalized accuracy", v(28, 74, 1.0, 0.0))])
        one("Text Generation", "HellaSwag (10-Shot)", "hellaswag", None, "validation", 10,
            [("acc_norm", "normalized accuracy", v(40, 90, 1.0, 0.5))])
        one("Text Generation", "MMLU (5-Shot)", "cais/mmlu", "all", "test", 5,
            [("acc", "accuracy", v(25, 80, 1.0, -0.2))])
        one("Text Generation", "TruthfulQA (0-shot)", "truthful_qa", "multiple_choice", "validation", 0,
            [("mc2", None, v(35, 65, 0.8, 0.0))])
        one("Text Generation", "Winogrande (5-shot)", "winogrande", "winogrande_xl", "validation", 5,
            [("acc", "accuracy", v(55, 85, 0.9, 0.3))])
        one("Text Generation", "GSM8k (5-shot)", "gsm8k", "main", "test", 5,
            [("acc", "accuracy", v(0, 80, 1.3, -1.0))])
    else:
        one("Text Generation", "IFEval (0-Shot)", "HuggingFaceH4/ifeval", None, "train", 0,
            [("inst_level_strict_acc and prompt_level_strict_acc", "strict accuracy", v(10, 85, 1.0, 0.0))])
        one("Text Generation", "BBH (3-Shot)", "BBH", None, "test", 3,
            [("acc_norm", "normalized accuracy", v(2, 55, 0.9, -0.2))])
        one("Text Generation", "MATH Lvl 5 (4-Shot)", "hendrycks/competition_math", None, "test", 4,
            [("exact_match", "exact match", v(0, 50, 1.2, -1.6))])
        one("Text Generation", "GPQA (0-shot)", "Idavidrein/gpqa", None, "train", 0,
            [("acc_norm", "acc_norm", v(0, 25, 0.7, -0.3))])
        one("Text Generation", "MuSR (0-shot)", "TAUR-Lab/MuSR", None, "test", 0,
            [("acc_norm", "acc_norm", v(0, 30, 0.7, -0.2))])
        one("Text Generation", "MMLU-PRO (5-shot)", "TIGER-Lab/MMLU-Pro", "main", "test", 5,
            [("acc", "accuracy", v(2, 65, 1.0, -0.4))])
    return res


_TASK_NAMES = {
    "text-classification": "Text Classification", "token-classification": "Token Classification",
    "question-answering": "Question Answering", "automatic-speech-recognition": "Automatic Speech Recognition",
    "image-classification": "Image Classification", "summarization": "Summarization", "translation": "Translation",
    "text2text-generation": "Text2Text Generation", "object-detection": "Object Detection",
    "image-segmentation": "Image Segmentation", "sentence-similarity": "Sentence Similarity",
    "feature-extraction": "Feature Extraction",
}


def _other_model_index(rng: random.Random, s: Spec) -> list:
    pipe = s.pipeline or "text-classification"
    q = s.q or 0.0
    task = {"type": pipe, "name": _TASK_NAMES.get(pipe, pipe)}
    results = []
    if s.cat.key == "embed":
        for tname, ttype, metric in [("Banking77Classification", "mteb/banking77", "accuracy"),
                                     ("STSBenchmark", "mteb/stsbenchmark-sts", "cos_sim_spearman"),
                                     ("SciFact", "mteb/scifact", "ndcg_at_10")]:
            val = round(100 * EV._sig(0.5 * q + 0.8) + rng.gauss(0, 0.5), 3)
            results.append({"task": {"type": "Classification" if "Class" in tname else "STS"},
                            "dataset": {"type": ttype, "name": f"MTEB {tname}", "config": "default", "split": "test",
                                        "revision": digest_hex("rev", tname)},
                            "metrics": [{"type": metric, "value": val}]})
    elif s.cat.key == "speech":
        lang = rng.choice(["hi", "ar", "de", "fr", "sw", "en"])
        results.append({"task": task, "dataset": {"name": "Common Voice 11.0",
                                                  "type": "mozilla-foundation/common_voice_11_0", "config": lang,
                                                  "split": "test", "args": lang},
                        "metrics": [{"type": "wer", "value": round(45 - 30 * EV._sig(q) + rng.gauss(0, 2), 2),
                                     "name": "Wer"}]})
    else:
        dsn = {"text-classification": ("imdb", "plain_text"), "token-classification": ("conll2003", "conll2003"),
               "question-answering": ("squad", "plain_text"), "image-classification": ("imagefolder", "default"),
               "summarization": ("xsum", "default"), "translation": ("wmt16", "ro-en"),
               "text2text-generation": ("samsum", "samsum")}.get(pipe, ("generic", "default"))
        if pipe in ("summarization", "text2text-generation"):
            mets = [{"type": "rouge", "value": round(20 + 25 * EV._sig(q) + rng.gauss(0, 1), 4), "name": "Rouge1"}]
        elif pipe == "translation":
            mets = [{"type": "bleu", "value": round(15 + 20 * EV._sig(q) + rng.gauss(0, 1), 4), "name": "Bleu"}]
        else:
            acc = round(0.75 + 0.22 * EV._sig(q) + rng.gauss(0, 0.01), 4)
            mets = [{"type": "accuracy", "value": min(acc, 0.999), "name": "Accuracy"}]
            if rng.random() < 0.5:
                mets.append({"type": "f1", "value": round(min(0.999, acc - abs(rng.gauss(0, 0.01))), 4),
                             "name": "F1"})
        results.append({"task": task, "dataset": {"name": dsn[0], "type": dsn[0], "config": dsn[1],
                                                  "split": "test", "args": dsn[1]}, "metrics": mets})
    return results


def _malform(rng: random.Random, mi: list) -> tuple[Any, str]:
    """Break a model-index the ways real cards do. Returns (new value, kind)."""
    kind = rng.choice(["percent", "nan", "nan_str", "no_metrics", "results_not_list", "no_dataset", "empty_metrics"])
    entry = mi[0]
    results = entry["results"]
    r0 = results[0]
    if kind == "percent":
        val = r0["metrics"][0]["value"]
        r0["metrics"][0]["value"] = f"{val:.2f}%" if isinstance(val, (int, float)) else "62.03%"
    elif kind == "nan":
        r0["metrics"][0]["value"] = None
    elif kind == "nan_str":
        r0["metrics"][0]["value"] = "NaN"
    elif kind == "no_metrics":
        del r0["metrics"]
    elif kind == "results_not_list":
        entry["results"] = r0
    elif kind == "no_dataset":
        r0.pop("dataset", None)
    elif kind == "empty_metrics":
        r0["metrics"] = []
    return mi, kind


def _eval_results(rng: random.Random, s: Spec) -> list:
    n = 1 + int(rng.random() * 3)
    out = []
    for b in rng.sample(K.BENCHMARKS, n):
        bid, task, short, lo, hi = b
        val = lo + (hi - lo) * EV._sig((s.q or 0.0) - 0.2) + rng.gauss(0, 0.01)
        data: dict[str, Any] = {"dataset": {"id": bid, "task_id": task}, "value": round(min(1.0, max(0.0, val)), 4)}
        r = rng.random()
        if r < 0.5:
            data["source"] = {"url": f"https://huggingface.co/{s.id}", "name": "Model card"}
        elif r < 0.8:
            data["source"] = {"url": "https://github.com/EleutherAI/lm-evaluation-harness", "name": "lm-eval"}
        out.append({"filename": f".eval_results/{short}.yaml", "data": data})
    if rng.random() < 0.12:
        out.append({"filename": ".eval_results/broken.yaml",
                    "error": "✖ Invalid input: expected number, received string\n  → at [0].value"})
    return out


def build_model(s: Spec, rng: random.Random) -> dict:
    """Render one full model record (every field the Hub can expand)."""
    mid = s.id
    org, _, name = mid.partition("/")
    cat: K.Category = s.cat
    pipeline = s.pipeline
    lib = s.library
    mt = K.MODEL_TYPES[s.mtype][0] if s.mtype is not None and s.mtype >= 0 else None
    arch = K.architecture(s.mtype if s.mtype is not None else -1, pipeline) if lib in (
        "transformers", "sentence-transformers", "peft", "mlx", "onnx") else None
    created = s.created
    floored = created < FLOOR_EPOCH
    created_iso = FLOOR_ISO if floored else iso(created)
    lastmod = max(s.lastmod, FLOOR_EPOCH if floored else created)
    tag_parents, card_bm, bm_rel = _lineage_fields(s, rng)

    tags: list[str] = []
    if lib == "gguf":
        tags.append("gguf")
    elif lib:
        tags.append(lib)
    if lib in ("transformers", "sentence-transformers", "diffusers", "peft", "timm", "mlx") and rng.random() < 0.85:
        tags.append("safetensors")
    if created < T_2024_06 and lib in ("transformers", "sentence-transformers", "diffusers") and rng.random() < 0.5:
        tags.append("pytorch")
    if lib == "onnx" or s.qfmt == "onnx":
        tags.append("onnx")
    if mt:
        tags.append(mt)
    if pipeline:
        tags.append(pipeline)
    extra: list[str] = []
    if s.rel == K.REL_ME:
        extra += ["mergekit", "merge"]
    elif s.rel == K.REL_AD:
        extra += ["lora"] + (["template:sd-lora"] if lib == "diffusers" else [])
    elif s.rel == K.REL_FT and cat.key == "llm" and rng.random() < 0.35:
        extra += ["trl", rng.choice(["sft", "dpo", "orpo", "unsloth"])]
    elif s.rel == K.REL_FT and rng.random() < 0.3:
        extra.append("generated_from_trainer")
    if s.qfmt in ("awq", "gptq", "bnb"):
        extra += ["4-bit", {"awq": "awq", "gptq": "gptq", "bnb": "bitsandbytes"}[s.qfmt]]
    elif s.qfmt == "exl2":
        extra.append("exl2")
    if s.quant_suffix and "i1" in s.quant_suffix:
        extra.append("imatrix")
    if s.chat:
        extra.append("conversational")
    tags += extra
    langs = []
    if cat.key in ("llm", "embed", "encoder", "enctask", "seq2seq", "speech") or rng.random() < 0.3:
        langs = [rng.choice(K.LANGS)]
        if rng.random() < 0.15:
            langs.append(rng.choice(K.LANGS))
        langs = list(dict.fromkeys(langs))
        tags += langs
    for d in s.datasets or []:
        tags.append("dataset:" + d)
    if rng.random() < 0.08:
        tags.append("arxiv:" + rng.choice(K.ARXIV))
    for p, rel in tag_parents:
        tags.append("base_model:" + p)
        tags.append(f"base_model:{rel}:{p}")

    # --- card data and self-reported evals
    model_index = None
    mi_kind = None
    mi_prob = {"llm": 0.16 if created < T_2024_06 else 0.05, "enctask": 0.35, "embed": 0.12, "speech": 0.3,
               "seq2seq": 0.2, "vision": 0.3}.get(cat.key, 0.0)
    if s.rel in (K.REL_QU, K.REL_AD):
        mi_prob *= 0.2
    if s.has_card and rng.random() < mi_prob:
        results = _llm_model_index(rng, mid, s.q or 0.0, created) if cat.key == "llm" else _other_model_index(rng, s)
        model_index = [{"name": name, "results": results}]
        if rng.random() < 0.08:
            model_index, mi_kind = _malform(rng, model_index)
    eval_results = None
    if pipeline == "text-generation" and s.rel != K.REL_QU and created >= EVAL_RESULTS_SINCE and rng.random() < 0.12:
        eval_results = _eval_results(rng, s)
    elif rng.random() < 0.004:
        eval_results = _eval_results(rng, s)

    lic = s.license
    card: dict[str, Any] | None = None
    if s.has_card:
        card = {}
        if langs:
            card["language"] = langs if (len(langs) > 1 or rng.random() < 0.6) else langs[0]
        if lic and lic != "unknown":
            card["license"] = lic
        if lib and rng.random() < 0.5:
            card["library_name"] = lib
        ctags = [t for t in extra if t not in ("conversational",)]
        if ctags:
            card["tags"] = ctags
        if s.datasets:
            card["datasets"] = list(s.datasets)
        if card_bm is not None:
            card["base_model"] = card_bm
        if bm_rel:
            card["base_model_relation"] = bm_rel
        if pipeline and rng.random() < 0.4:
            card["pipeline_tag"] = pipeline
        if s.gated == "manual":
            card["extra_gated_prompt"] = "You agree to the license terms before accessing this model."
            card["extra_gated_fields"] = {"First Name": "text", "Country": "country"}
        if model_index is not None:
            card["model-index"] = model_index
    if lic and lic != "unknown":
        tags.append("license:" + lic)
    if model_index is not None:
        tags.append("model-index")
    if lib == "transformers" and pipeline == "text-generation":
        tags += ["autotrain_compatible", "text-generation-inference"]
    if lib in ("transformers", "sentence-transformers", "peft", "diffusers"):
        tags.append("endpoints_compatible")
    tags.append("region:us" if rng.random() < 0.97 else "region:eu")
    tags = list(dict.fromkeys(tags))

    # --- popularity
    nchild = s.nchild or 0
    age_days = max(1.0, (s.now - created) / 86400)
    boost = (1 + nchild) ** 1.15
    if s.anchor:
        boost *= 400
    elif s.fixed:
        boost *= 30
    downloads = int(min(5e8, math.exp(rng.gauss(0.6, 2.2)) * boost))
    if age_days > 400 and not s.anchor and rng.random() < 0.5:
        downloads //= 4
    dl_all = downloads + int(downloads * (age_days / 30.0) * math.exp(rng.gauss(-0.7, 0.6))) + int(
        math.exp(rng.gauss(1.2, 1.4)))
    likes = int(math.exp(rng.gauss(-2.2, 1.5)) * (downloads + 1) ** 0.45 * (1 + nchild) ** 0.35)
    if s.anchor:
        likes += 500 + int(rng.random() * 3000)
    recency = math.exp(-(s.now - lastmod) / (20 * 86400))
    trending = int(likes * recency * rng.random() * 0.6 + (1 if rng.random() < 0.02 * recency else 0))

    rec: dict[str, Any] = {
        "_id": object_id(created, floored, "model", s.index, s.seed),
        "id": mid,
        "private": False,
        "pipeline_tag": pipeline,
        "library_name": lib,
        "tags": tags,
        "downloads": downloads,
        "likes": likes,
        "modelId": mid,
        "author": org,
        "sha": s.sha,
        "lastModified": iso(lastmod),
        "gated": s.gated or False,
        "disabled": False,
    }
    if pipeline is None:  # the Hub leaves these keys out rather than sending null
        del rec["pipeline_tag"]
    if lib is None:
        del rec["library_name"]
    if pipeline == "fill-mask":
        rec["mask_token"] = "<mask>" if mt in ("roberta", "xlm-roberta") else "[MASK]"
    if s.chat and rng.random() < 0.5:
        rec["widgetData"] = [{"text": "Hi, what can you help me with?"}, {"text": "What is 84 * 3 / 2?"}]
    rec["model-index"] = model_index
    params = s.params or 0
    if lib == "peft":
        rec["config"] = {"peft": {"base_model_name_or_path": (s.parents or [None])[0],
                                  "task_type": "CAUSAL_LM" if pipeline == "text-generation" else "SEQ_CLS"}}
    elif arch:
        rec["config"] = {"architectures": [arch], "model_type": mt}
    if card is not None:
        rec["cardData"] = card
    if arch and lib in ("transformers", "sentence-transformers") and pipeline in K.HEADS:
        rec["transformersInfo"] = {"auto_model": K.HEADS[pipeline][1], "pipeline_tag": pipeline,
                                   "processor": "AutoTokenizer"}
    rec["siblings"] = _siblings(s, name, rng)
    rec["spaces"] = []
    rec["createdAt"] = created_iso
    storage = 0
    if params and lib in ("transformers", "sentence-transformers", "timm", "mlx") and s.rel != K.REL_AD:
        if s.qfmt in ("awq", "gptq", "bnb"):
            packed = int(params * 0.14)
            st = {"parameters": {"I32": packed, "F16": int(params * 0.06)}, "total": packed + int(params * 0.06)}
            storage = params // 2
        elif "safetensors" in tags:
            dt = "BF16" if (cat.key == "llm" and created > T_2023_06) else (
                "F16" if rng.random() < 0.2 else "F32")
            st = {"parameters": {dt: params}, "total": params}
            storage = params * (4 if dt == "F32" else 2)
        else:
            st = None
        if st:
            rec["safetensors"] = st
    if lib == "gguf" and params:
        rec["gguf"] = {"total": params, "architecture": mt or "llama",
                       "context_length": rng.choice([2048, 4096, 8192, 32768, 131072]),
                       "bos_token": "<s>", "eos_token": "</s>"}
        storage = int(params * rng.uniform(1.5, 4.0))
    rec["usedStorage"] = storage + int(rng.random() * 5e6)
    rec["downloadsAllTime"] = dl_all
    rec["trendingScore"] = trending
    if eval_results is not None:
        rec["evalResults"] = eval_results
    if mi_kind and s.stats is not None:
        s.stats[mi_kind] = s.stats.get(mi_kind, 0) + 1
    return rec


# ----------------------------------------------------------------------------------------
# the generator
# ----------------------------------------------------------------------------------------
class _Namer:
    """Unique repo ids: fixed orgs + generated orgs, per-org counters (no global id set)."""

    def __init__(self, fixed: list[str], pool: int, seed: int, expected: int = 1000):
        self.fixed = fixed
        self.fixed_index = {o: i for i, o in enumerate(fixed)}
        self.pool = pool
        self.seed = seed
        self.counts = array("I", [0] * (len(fixed) + pool))
        self.taken = FingerprintSet(expected)

    def reserve(self, repo_id: str) -> None:
        """Mark a fixed id (anchor, benchmark...) as taken."""
        org, _, name = repo_id.partition("/")
        if org in self.fixed_index:
            self.taken.add(f"{self.fixed_index[org]}/{name.lower()}")

    def org_name(self, o: int) -> str:
        if o < len(self.fixed):
            return self.fixed[o]
        return gen_name(o - len(self.fixed), self.seed)

    def user_org(self, rng: random.Random, skew: float = 2.2) -> int:
        return len(self.fixed) + min(self.pool - 1, int(self.pool * rng.random() ** skew))

    def make(self, o: int, stem: str) -> str:
        """``org/stem`` when free in that org, else ``org/stem-<k>`` with k the org's model count.

        Stems never end in ``-<digits>`` and k is unique within the org, so ids are unique
        (also case-insensitively) without keeping them in memory.
        """
        self.counts[o] += 1
        c = self.counts[o]
        if self.taken.add(f"{o}/{stem.lower()}"):
            return f"{self.org_name(o)}/{stem}"
        return f"{self.org_name(o)}/{stem}-{c + 1}"


class _Gen:
    def __init__(self, out_dir: str, n_models: int, n_datasets: int, n_spaces: int, seed: int, now: str | None):
        self.out = os.path.abspath(out_dir)
        self.N = max(1, int(n_models))
        self.D = max(0, int(n_datasets))
        self.S = max(0, int(n_spaces))
        self.seed = int(seed)
        self.now_iso = iso(parse_iso(now)) if now else DEFAULT_NOW_ISO
        self.now = parse_iso(self.now_iso)
        self.t0 = min(START_EPOCH, self.now - 30 * 86400)
        self.rng = random.Random(self.seed)
        self.redirects: dict[str, dict[str, str]] = {"model": {}, "dataset": {}, "space": {}}
        self.popular_datasets: list[str] = []
        self.popular_models: list[str] = []
        self.counts: dict[str, Any] = {}

    # -- time line ---------------------------------------------------------------------
    def _timeline(self, n: int, rng: random.Random) -> array:
        k = GROWTH_PER_YEAR / YEAR
        span = self.now - self.t0
        e = math.expm1(k * span)
        out = array("d")
        for i in range(n):
            q = (i + rng.random()) / n
            out.append(self.t0 + math.log1p(q * e) / k)
        return out

    # -- datasets ----------------------------------------------------------------------
    def _datasets(self, fh) -> None:
        rng = random.Random(self.seed * 7 + 1)
        fixed_ids = list(K.POPULAR_DATASETS) + [b[0] for b in K.BENCHMARKS]
        n_gen = max(0, self.D - len(fixed_ids) - 2)  # 2 eval-data repos are appended later
        self.ds_namer = namer = _Namer(K.FIXED_ORGS, max(20, n_gen // 3 + 1), self.seed, n_gen + 100)
        for did in fixed_ids + ["open-llm-leaderboard/contents", "mteb/results"]:
            namer.reserve(did)
        times = self._timeline(n_gen, rng) if n_gen else array("d")
        bench_ids = {b[0] for b in K.BENCHMARKS}
        idx = 0
        written = 0
        for j, did in enumerate(fixed_ids):
            t = parse_iso("2021-06-01") + j * 20 * 86400
            rec = self._dataset_record(rng, idx, did, min(t, self.now - 86400), benchmark=did in bench_ids,
                                       popular=True)
            fh.write(orjson.dumps(rec) + b"\n")
            idx += 1
            written += 1
        self.popular_datasets = list(K.POPULAR_DATASETS)
        for j in range(n_gen):
            t = times[j]
            o = namer.user_org(rng, 1.8) if rng.random() < 0.97 else namer.fixed_index[rng.choice(K.DATASET_ORGS)]
            stem = _safe_stem(rng.choice(K.DATASET_STEMS) + ("-" + rng.choice(K.LANGS) if rng.random() < 0.3 else "")
                              + (rng.choice(["", "-v2", "-clean", "-small", "-large"]) if rng.random() < 0.4 else ""))
            did = namer.make(o, stem)
            rec = self._dataset_record(rng, idx, did, t)
            if j < 300:
                self.popular_datasets.append(did)
            if rng.random() < 0.002 or (j == n_gen // 2 and not self.redirects["dataset"]):
                old = f"{gen_name(10**7 + 50_000 + len(self.redirects['dataset']), self.seed)}/{did.split('/', 1)[1]}"
                self.redirects["dataset"][old] = did
            fh.write(orjson.dumps(rec) + b"\n")
            idx += 1
            written += 1
        self.ds_next = idx
        self.counts["datasets"] = written

    def _dataset_record(self, rng: random.Random, idx: int, did: str, t: float, benchmark: bool = False,
                        popular: bool = False) -> dict:
        floored = t < FLOOR_EPOCH
        lm = max(t + (self.now - t) * rng.random() ** 3, FLOOR_EPOCH if floored else t)
        task = rng.choice(K.DATASET_TASKS)
        lang = rng.choice(K.LANGS)
        lic = rng.choice(["apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "odc-by", "other", "cc-by-nc-4.0"])
        size = rng.choice(K.SIZE_CATS)
        fmt = rng.choice(["parquet", "json", "csv", "parquet", "parquet"])
        modality = {"image-classification": "image", "object-detection": "image", "text-to-image": "image",
                    "automatic-speech-recognition": "audio"}.get(task, "text")
        tags = [f"task_categories:{task}", f"language:{lang}", f"license:{lic}", f"size_categories:{size}",
                f"format:{fmt}", f"modality:{modality}", "library:datasets", "library:pandas", "library:polars"]
        if rng.random() < 0.5:
            tags.append("library:mlcroissant")
        if benchmark:
            tags.append("benchmark:official")
        tags.append("region:us")
        boost = 200 if popular else 1
        dl = int(min(2e8, math.exp(rng.gauss(1.0, 2.3)) * boost))
        likes = int(math.exp(rng.gauss(-1.8, 1.6)) * (dl + 1) ** 0.4)
        card: dict[str, Any] = {"license": lic, "task_categories": [task], "language": [lang],
                                "size_categories": [size]}
        if rng.random() < 0.4:
            card["pretty_name"] = did.split("/", 1)[1].replace("-", " ").title()
        card["configs"] = [{"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}]
        files = [".gitattributes", "README.md"] + [f"data/train-{k:05d}-of-00002.{fmt}" for k in range(2)]
        rec = {
            "_id": object_id(t, floored, "dataset", idx, self.seed),
            "id": did,
            "author": did.split("/", 1)[0],
            "sha": digest_hex("sha", self.seed, "dataset", idx, 0),
            "lastModified": iso(lm),
            "private": False,
            "gated": False if rng.random() < 0.97 else rng.choice(["auto", "manual"]),
            "disabled": False,
            "downloads": dl,
            "downloadsAllTime": dl + int(dl * rng.uniform(1, 20)),
            "likes": likes,
            "trendingScore": int(likes * rng.random() * math.exp(-(self.now - lm) / (20 * 86400))),
            "tags": tags,
            "createdAt": FLOOR_ISO if floored else iso(t),
            "cardData": card,
            "description": f"A {task.replace('-', ' ')} dataset ({size}).",
            "citation": None if rng.random() < 0.8 else f"@misc{{{did.split('/')[-1]},\n  title={{{did}}}\n}}",
            "paperswithcode_id": None,
            "siblings": [{"rfilename": f} for f in files],
            "usedStorage": int(math.exp(rng.gauss(16, 3))),
        }
        return rec

    # -- models pass 1 -----------------------------------------------------------------
    def _pass1(self) -> None:
        rng = self.rng
        N = self.N
        n_anchor = min(len(K.ANCHORS), max(1, N // 25))
        anchors = K.ANCHORS[:n_anchor]
        base_times = self._timeline(N - n_anchor, rng)
        a_times = sorted((min(parse_iso(a[2]), self.now - 86400 * (1 + j)), j) for j, a in enumerate(anchors))
        times = array("d")
        anchor_at: dict[int, int] = {}
        bi = 0
        for at, j in a_times:
            while bi < len(base_times) and base_times[bi] <= at:
                times.append(base_times[bi])
                bi += 1
            anchor_at[len(times)] = j
            times.append(at)
        times.extend(base_times[bi:])
        self.times = times
        self.anchor_at = anchor_at

        cats = K.CATEGORIES
        n_buckets = 24
        span = self.now - self.t0
        cat_pickers = []
        for b in range(n_buckets):
            f = (b + 0.5) / n_buckets
            cat_pickers.append(_Weighted([(ci, c.share_early + (c.share_late - c.share_early) * f)
                                          for ci, c in enumerate(cats)]))
        pipe_pickers = [_Weighted(c.pipelines) for c in cats]
        lib_pickers = [_Weighted(c.libraries) for c in cats]
        size_pickers = [_Weighted(c.sizes) if c.sizes else None for c in cats]
        lic_pickers = [_Weighted(c.licenses) for c in cats]
        rel_pickers = [_Weighted(list(zip((K.REL_FT, K.REL_AD, K.REL_QU, K.REL_ME), c.rels))) for c in cats]
        pool_pickers = [_Weighted([(K.CAT_INDEX[k], w) for k, w in c.parent_pools]) if c.parent_pools else None
                        for c in cats]
        qs_llm = _Weighted([((s, f), w) for s, f, w in K.QUANT_SUFFIXES_LLM])
        qs_other = _Weighted([((s, f), w) for s, f, w in K.QUANT_SUFFIXES_OTHER])
        merge_k = _Weighted([(2, 0.62), (3, 0.25), (4, 0.13)])
        used_pools = {K.CAT_INDEX[k] for c in cats for k, _ in c.parent_pools}

        self.namer = namer = _Namer(K.FIXED_ORGS, max(30, N // 4), self.seed, N + 100)
        for a in anchors:
            namer.reserve(a[0])
        self.cat = array("b")
        self.rel = array("b")
        self.par = array("i")
        self.depth = array("h")
        self.root = array("i")
        self.params = array("q")
        self.mtype = array("b")
        self.qv = array("f")
        self.nchild = array("i")
        self.lic = array("b")
        self.pipe = array("b")
        self.lib = array("b")
        self.flags = array("B")
        self.qfmt = array("b")
        self.qsuf: dict[int, str] = {}
        self.extra_par: dict[int, list[int]] = {}
        self.ids = StrTable()
        self.stems = StrTable()
        self.libs: list[str | None] = [None]
        lib_index: dict[str | None, int] = {None: 0}
        pools = [array("i") for _ in cats]
        minilm_child_done = False

        def lib_code(lib: str | None) -> int:
            if lib not in lib_index:
                lib_index[lib] = len(self.libs)
                self.libs.append(lib)
            return lib_index[lib]

        def pick(pool: array) -> int:
            n = len(pool)
            return pool[min(n - 1, int(n * rng.random() ** 0.6))]

        for i in range(N):
            t = times[i]
            if i in anchor_at:
                aid, ckey, _, params, mt, pipe, gated, legacy, lic, q = anchors[anchor_at[i]]
                ci = K.CAT_INDEX[ckey]
                self.ids.append(aid)
                self.stems.append(aid.split("/", 1)[1])
                self.cat.append(ci)
                self.rel.append(0)
                self.par.append(-1)
                self.depth.append(0)
                self.root.append(i)
                self.params.append(params)
                self.mtype.append(K.MT_INDEX[mt] if mt else -1)
                self.qv.append(q)
                self.nchild.append(0)
                self.lic.append(LIC_INDEX[lic])
                self.pipe.append(PIPE_INDEX[pipe])
                self.lib.append(lib_code(cats[ci].libraries[0][0]))
                self.flags.append(F_ANCHOR | F_FIXED)
                self.qfmt.append(-1)
                if legacy:
                    self.redirects["model"][legacy] = aid
                if ci in used_pools:
                    for _ in range(30):
                        pools[ci].append(i)
                continue
            b = min(n_buckets - 1, int((t - self.t0) / span * n_buckets))
            ci = cat_pickers[b].pick(rng)
            c = cats[ci]
            tf = min(1.0, max(0.0, 0.12 + 0.88 * (t - T_2022) / (T_2024_06 - T_2022)))
            parents: list[int] = []
            r = 0
            if pool_pickers[ci] is not None and rng.random() < c.deriv * tf:
                r = rel_pickers[ci].pick(rng)
                pci = pool_pickers[ci].pick(rng)
                if not pools[pci]:
                    for k2, _w in c.parent_pools:
                        if pools[K.CAT_INDEX[k2]]:
                            pci = K.CAT_INDEX[k2]
                            break
                if pools[pci]:
                    if r == K.REL_ME:
                        want = merge_k.pick(rng)
                        for _try in range(want * 4):
                            p = pick(pools[pci])
                            if p not in parents:
                                parents.append(p)
                            if len(parents) == want:
                                break
                        if len(parents) < 2:
                            r = K.REL_FT
                            parents = parents[:1]
                    else:
                        parents = [pick(pools[pci])]
            flags = 0
            qsuffix = None
            qf = -1
            if not parents:
                # ---- root
                r = 0
                params = size_pickers[ci].pick(rng) if size_pickers[ci] else 0
                mt = K.MT_INDEX[rng.choice(c.model_types)] if c.model_types else -1
                pipe = pipe_pickers[ci].pick(rng)
                lib = lib_pickers[ci].pick(rng)
                if c.root_orgs and rng.random() < 0.12:
                    o = namer.fixed_index[rng.choice(c.root_orgs)]
                    flags |= F_FIXED
                else:
                    o = namer.user_org(rng)
                mid_ = rng.choice(c.root_mids)
                if ci == K.CAT_INDEX["llm"]:
                    stem = f"{rng.choice(c.root_bases)}{'-' + mid_ if mid_ else ''}-{_size_str(params)}"
                    tail = rng.choice(c.root_tails)
                    stem += tail
                    if tail in ("-Chat", "-Instruct"):
                        flags |= F_CHAT
                elif c.key == "rl":
                    stem = f"{rng.choice(c.root_bases)}-{mid_}"
                else:
                    stem = rng.choice(c.root_bases) + (f"-{mid_}" if mid_ else "") + rng.choice(c.root_tails)
                stem = _safe_stem(stem)
                if c.key in ("llm", "embed"):
                    unit = 1e9 if c.key == "llm" else 1e8
                    q = rng.gauss(0.0, 0.6) + 0.55 * math.log10(max(params, 1e6) / unit)
                else:
                    q = rng.gauss(0.0, 0.6)
                lic = LIC_INDEX[lic_pickers[ci].pick(rng)]
                depth, root = 0, i
                weight = 6 if flags & F_FIXED else 1
                self.par.append(-1)
            else:
                p = parents[0]
                pcat = self.cat[p]
                params = self.params[p]
                mt = self.mtype[p]
                pipe = self.pipe[p] if pcat == ci else PIPE_INDEX[pipe_pickers[ci].pick(rng)]
                lib = self.libs[self.lib[p]] if pcat == ci else lib_pickers[ci].pick(rng)
                if lib is None:
                    lib = lib_pickers[ci].pick(rng)
                pstem = self.stems[p]
                base = pstem if len(pstem) <= 40 else self.stems[self.root[p]]
                q_p = self.qv[p]
                if r == K.REL_QU:
                    qsuffix, qfname = (qs_llm if c.key == "llm" else qs_other).pick(rng)
                    qf = QF_INDEX[qfname]
                    lib = {"gguf": "gguf", "mlx": "mlx", "onnx": "onnx", "exl2": None}.get(qfname, lib)
                    stem = f"{base}-{qsuffix}"
                    q = q_p - abs(rng.gauss(0.04, 0.05))
                    o = namer.fixed_index[rng.choice(K.QUANTIZER_ORGS)] if rng.random() < 0.35 else namer.user_org(rng)
                    weight = 1 if rng.random() < 0.01 else 0
                elif r == K.REL_AD:
                    lib = "diffusers" if c.key == "diffusion" else "peft"
                    suf = rng.choice(K.DIFFUSION_ADAPTER_SUFFIXES if c.key == "diffusion" else K.ADAPTER_SUFFIXES)
                    stem = f"{base}-{suf}"
                    q = q_p + rng.gauss(-0.05, 0.25)
                    o = namer.user_org(rng)
                    weight = 1 if rng.random() < 0.03 else 0
                elif r == K.REL_ME:
                    method = rng.choice(K.MERGE_METHODS)
                    stem = f"{_short(pstem)}-{_short(self.stems[parents[1]])}-{method}"
                    q = sum(self.qv[x] for x in parents) / len(parents) + rng.gauss(0.05, 0.25)
                    if rng.random() < 0.05:
                        params = int(params * 1.6)
                    o = namer.user_org(rng)
                    weight = 1
                    flags |= F_CHAT if self.flags[p] & F_CHAT else 0
                else:
                    sufs = c.ft_suffixes
                    if isinstance(sufs, dict):
                        sufs = sufs.get(PIPELINES[pipe], next(iter(sufs.values())))
                    suf = rng.choice(sufs) if sufs else "finetuned"
                    stem = f"{base}-{suf}"
                    q = q_p + rng.gauss(-0.06, 0.35)
                    if (not minilm_child_done and self.flags[p] & F_ANCHOR
                            and self.ids[p] == "sentence-transformers/all-MiniLM-L6-v2"):
                        q = q_p - 1.6  # the article's "lobotomised" fine-tune
                        minilm_child_done = True
                    o = namer.user_org(rng)
                    weight = 1
                    if suf in CHATTY or (c.key == "llm" and self.flags[p] & F_CHAT):
                        flags |= F_CHAT if c.key == "llm" else 0
                stem = _safe_stem(stem)
                lic = self.lic[p] if rng.random() < 0.7 else LIC_INDEX[lic_pickers[ci].pick(rng)]
                depth = self.depth[p] + 1
                root = self.root[p]
                self.par.append(p)
                if len(parents) > 1:
                    self.extra_par[i] = parents[1:]
                for x in parents:
                    self.nchild[x] += 1
                    pools[self.cat[x]].append(x)
            self.ids.append(namer.make(o, stem))
            self.stems.append(stem)
            self.cat.append(ci)
            self.rel.append(r)
            self.depth.append(min(depth, 32000))
            self.root.append(root)
            self.params.append(int(params))
            self.mtype.append(mt)
            self.qv.append(q)
            self.nchild.append(0)
            self.lic.append(lic)
            self.pipe.append(pipe if isinstance(pipe, int) else PIPE_INDEX[pipe])
            self.lib.append(lib_code(lib))
            self.flags.append(flags)
            self.qfmt.append(qf)
            if qsuffix:
                self.qsuf[i] = qsuffix
            if weight and ci in used_pools:
                for _ in range(weight):
                    pools[ci].append(i)

    # -- edge cases --------------------------------------------------------------------
    def _edges(self) -> None:
        rng = random.Random(self.seed * 31 + 7)
        N = self.N
        derivs = array("i", (i for i in range(N) if self.rel[i] and not self.flags[i] & F_ANCHOR))
        self.edge: dict[int, str] = {}
        self.declared: dict[int, list[str]] = {}
        self.lastmod_min: dict[int, float] = {}
        if not derivs:
            self.counts["edge_cases"] = {}
            return
        each = max(1, round(N * 0.005))
        plan = [("deleted", each), ("redirect", each), ("case", each), ("cardonly", each), ("badtype", each),
                ("selfloop", max(1, min(8, N // 1500))), ("cycle2", max(1, min(5, N // 3000)))]
        order = list(range(len(derivs)))
        rng.shuffle(order)
        pos = 0
        made: dict[str, int] = {}
        renamed: dict[int, str] = {}
        legacy_of = {v: k for k, v in self.redirects["model"].items()}
        for kind, want in plan:
            got = 0
            tries = 0
            while got < want and pos < len(order) and tries < 50 * want + 100:
                tries += 1
                i = derivs[order[pos]]
                pos += 1
                if i in self.edge:
                    continue
                parents = [self.par[i]] + self.extra_par.get(i, [])
                pids = [self.ids[p] for p in parents]
                if kind == "deleted":
                    p = parents[0]
                    pids[0] = f"{self.ids[p]}-{rng.choice(K.DELETED_WORDS)}{_b36(i)}"
                elif kind == "redirect":
                    p = parents[0]
                    if p not in renamed:
                        old = legacy_of.get(self.ids[p])
                        if old is None:
                            old = f"{gen_name(10**7 + len(renamed), self.seed)}/{self.ids[p].split('/', 1)[1]}"
                            self.redirects["model"][old] = self.ids[p]
                        renamed[p] = old
                    pids[0] = renamed[p]
                elif kind == "case":
                    pids[0] = _case_variant(pids[0])
                elif kind == "selfloop":
                    if self.rel[i] == K.REL_ME:
                        continue
                    pids = [self.ids[i]]
                elif kind == "cycle2":
                    a = parents[0]
                    if (self.rel[i] == K.REL_ME or a in self.edge or not self.rel[a] or self.flags[a] & F_ANCHOR
                            or self.rel[a] == K.REL_ME):
                        continue
                    self.edge[a] = "cycle2"
                    self.declared[a] = [self.ids[i]]
                    self.lastmod_min[a] = self.times[i] + 3600
                self.edge[i] = kind
                self.declared[i] = pids
                got += 1
            made[kind] = got
        self.counts["edge_cases"] = made

    # -- eval selection ----------------------------------------------------------------
    def _select_evals(self) -> None:
        rng = random.Random(self.seed * 131 + 3)
        N = self.N
        llm = K.CAT_INDEX["llm"]
        embed = K.CAT_INDEX["embed"]
        retire = min(parse_iso(OLL_RETIRED), self.now)

        def oll_ok(i: int) -> bool:
            return (self.cat[i] == llm and i not in self.edge and self.rel[i] != K.REL_QU
                    and self.times[i] <= retire and self.params[i] <= 80e9 and self.params[i] > 0)

        children = [i for i in range(N) if oll_ok(i) and self.rel[i]]
        n_ok = sum(1 for i in range(N) if oll_ok(i))
        target = min(4500, max(20, int(0.35 * n_ok)))
        p_child = min(1.0, 0.55 * target / max(1, len(children)))
        sel: set[int] = set()
        for i in children:
            if rng.random() < p_child:
                ps = [self.par[i]] + self.extra_par.get(i, [])
                if all(oll_ok(p) for p in ps[:1]):
                    sel.add(i)
                    sel.update(p for p in ps if oll_ok(p))
        for i in range(N):
            if len(sel) >= target:
                break
            if oll_ok(i) and not self.rel[i] and rng.random() < 0.3:
                sel.add(i)
        self.oll_sel = sel

        def mteb_ok(i: int) -> bool:
            return self.cat[i] == embed and i not in self.edge

        msel: set[int] = set()
        minilm = next((i for i in range(min(N, len(self.ids))) if self.flags[i] & F_ANCHOR
                       and self.ids[i] == "sentence-transformers/all-MiniLM-L6-v2"), None)
        for i in range(N):
            if not mteb_ok(i) or len(msel) >= 3000:
                continue
            p = self.par[i]
            if (p >= 0 and p == minilm) or self.flags[i] & F_ANCHOR or rng.random() < 0.35:
                msel.add(i)
                if p >= 0 and mteb_ok(p):
                    msel.add(p)
        self.mteb_sel = msel
        self.oll_info: dict[int, EV.OllModel] = {}
        self.mteb_info: dict[int, tuple[str, str]] = {}

    # -- models pass 2 -----------------------------------------------------------------
    def _pass2(self, fh) -> None:
        rng = random.Random(self.seed * 17 + 5)
        N = self.N
        cats = K.CATEGORIES
        pop_cut = []
        self.malformed: dict[str, int] = {}
        for i in range(N):
            t = self.times[i]
            flags = self.flags[i]
            r = self.rel[i]
            mid = self.ids[i]
            ci = self.cat[i]
            c = cats[ci]
            edge = self.edge.get(i)
            if r:
                parents = self.declared.get(i) or [self.ids[self.par[i]]] + [self.ids[x] for x in
                                                                            self.extra_par.get(i, [])]
            else:
                parents = []
            lm = t + (self.now - t) * rng.random() ** 3
            if i in self.lastmod_min:
                lm = max(lm, min(self.now, self.lastmod_min[i]))
            if flags & F_ANCHOR:
                gated = K.ANCHORS[self.anchor_at[i]][6]
            elif flags & F_FIXED and rng.random() < 0.25:
                gated = "manual"
            else:
                u = rng.random()
                gated = "auto" if u < 0.012 else ("manual" if u < 0.018 else False)
            ds = []
            if r == K.REL_FT and rng.random() < 0.25:
                ds = list(dict.fromkeys(rng.choice(self.popular_datasets) for _ in range(1 + int(rng.random() * 2))))
            has_card = bool(r) or flags & F_ANCHOR or rng.random() < 0.72
            s = Spec(index=i, id=mid, cat=c, pipeline=PIPELINES[self.pipe[i]], library=self.libs[self.lib[i]],
                     mtype=self.mtype[i], params=self.params[i], rel=r, parents=parents, edge=edge, created=t,
                     lastmod=lm, sha=digest_hex("sha", self.seed, "model", i, 0), license=LICENSES[self.lic[i]],
                     chat=bool(flags & F_CHAT), qfmt=QUANT_FORMATS[self.qfmt[i]] if self.qfmt[i] >= 0 else None,
                     quant_suffix=self.qsuf.get(i), anchor=bool(flags & F_ANCHOR), fixed=bool(flags & F_FIXED),
                     nchild=self.nchild[i], q=self.qv[i], gated=gated, datasets=ds, seed=self.seed, now=self.now,
                     has_card=bool(has_card), stats=self.malformed)
            rec = build_model(s, rng)
            fh.write(orjson.dumps(rec) + b"\n")
            if flags & (F_ANCHOR | F_FIXED) or rec["downloads"] > 5000:
                if len(pop_cut) < 2000:
                    pop_cut.append(mid)
            if i in self.oll_sel:
                arch = K.architecture(self.mtype[i], "text-generation") or "LlamaForCausalLM"
                self.oll_info[i] = EV.OllModel(
                    id=mid, sha=rec["sha"], likes=rec["likes"], license=s.license, params=self.params[i],
                    architecture=arch, created_iso=rec["createdAt"], depth=self.depth[i],
                    root_id=self.ids[self.root[i]], relation=r, q=self.qv[i], chat=bool(flags & F_CHAT),
                    moe=K.MODEL_TYPES[self.mtype[i]][0] == "mixtral" if self.mtype[i] >= 0 else False,
                    official=bool(flags & F_FIXED))
            if i in self.mteb_sel:
                self.mteb_info[i] = (mid, rec["sha"])
        self.popular_models = pop_cut or [self.ids[0]]
        self.counts["models"] = N
        rels = {}
        for name, code in (("root", 0), ("finetune", 1), ("adapter", 2), ("quantized", 3), ("merge", 4)):
            rels[name] = self.rel.count(code)
        self.counts["relations"] = rels
        self.counts["malformed_model_index"] = dict(sorted(self.malformed.items()))

    # -- eval files --------------------------------------------------------------------
    def _eval_files(self, fh) -> None:
        rng = random.Random(self.seed * 101 + 11)
        files_root = os.path.join(self.out, "files", "datasets")
        # Open LLM Leaderboard contents
        oll_models = [self.oll_info[i] for i in sorted(self.oll_info)]
        n_gone = max(1, len(oll_models) // 100) if oll_models else 0
        for j in range(n_gone):
            src = oll_models[int(rng.random() * len(oll_models))]
            oll_models.append(EV.OllModel(
                id=f"{gen_name(10**7 + 90_000 + j, self.seed)}/{src.id.split('/', 1)[1]}-{rng.choice(K.DELETED_WORDS)}",
                sha=digest_hex("gone", self.seed, j), likes=0, license=src.license, params=src.params,
                architecture=src.architecture, created_iso=src.created_iso, depth=src.depth + 1, root_id=src.root_id,
                relation=1, q=src.q + rng.gauss(-0.1, 0.3), chat=src.chat, moe=src.moe, official=False,
                available=False))
        table = EV.oll_table(oll_models, rng, min(OLL_RETIRED, self.now_iso))
        oll_dir = os.path.join(files_root, "open-llm-leaderboard", "contents")
        oll_paths = EV.write_oll(oll_dir, table)
        self._write_repo_meta(oll_dir, "open-llm-leaderboard/contents",
                              "Open LLM Leaderboard v2 contents (synthetic replay data).")
        # MTEB results
        mteb_models = []
        for i in sorted(self.mteb_info):
            name, sha = self.mteb_info[i]
            extra = [digest_hex("oldrev", self.seed, i)] if rng.random() < 0.25 else []
            mteb_models.append(EV.MtebModel(name=name, revision=sha, q=self.qv[i], extra_revisions=extra,
                                            external=rng.random() < 0.3, public=rng.random() > 0.05,
                                            anchor=bool(self.flags[i] & F_ANCHOR) and name.endswith("all-MiniLM-L6-v2")))
        for name, rev in (("openai/text-embedding-3-large", "2"), ("voyageai/voyage-3", "1")):
            mteb_models.append(EV.MtebModel(name=name, revision=rev, q=1.2, extra_revisions=[], external=False,
                                            public=False))
        cols = EV.mteb_rows(mteb_models, rng)
        mteb_dir = os.path.join(files_root, "mteb", "results")
        mteb_paths = EV.write_mteb(mteb_dir, cols, rows_per_shard=max(1000, len(cols["model_name"]) // 2 + 1))
        self._write_repo_meta(mteb_dir, "mteb/results", "MTEB main scores, one row per model x task x split x subset.")
        self.counts["oll_rows"] = table.num_rows
        self.counts["oll_models"] = len(oll_models)
        self.counts["mteb_rows"] = len(cols["model_name"])
        self.counts["mteb_models"] = len(mteb_models)
        # dataset records for the two eval repos
        for did, rel_paths, created, lm in (
            ("open-llm-leaderboard/contents", oll_paths, "2024-06-11T12:38:12.000Z", self.now_iso if self.now_iso < OLL_RETIRED else OLL_RETIRED),
            ("mteb/results", mteb_paths, "2024-04-10T09:00:00.000Z", iso(self.now - 3 * 3600)),
        ):
            t = min(parse_iso(created), self.now - 86400)
            lmt = max(t, min(parse_iso(lm), self.now))
            files = [".gitattributes", "README.md"] + rel_paths
            rec = {
                "_id": object_id(t, False, "dataset", self.ds_next, self.seed),
                "id": did,
                "author": did.split("/")[0],
                "sha": digest_hex("sha", self.seed, "dataset", did, 0),
                "lastModified": iso(lmt),
                "private": False,
                "gated": False,
                "disabled": False,
                "downloads": 20000 + int(rng.random() * 50000),
                "downloadsAllTime": 900000 + int(rng.random() * 100000),
                "likes": 100 + int(rng.random() * 200),
                "trendingScore": int(rng.random() * 5),
                "tags": ["size_categories:1K<n<10K", "format:parquet", "modality:tabular", "modality:text",
                         "library:datasets", "library:pandas", "library:polars", "library:mlcroissant", "region:us"],
                "createdAt": iso(t),
                "cardData": {"configs": [{"config_name": "default",
                                          "data_files": [{"split": "train", "path": "data/train-*"}]}]},
                "description": f"Synthetic replay copy of {did}.",
                "citation": None,
                "paperswithcode_id": None,
                "siblings": [{"rfilename": f} for f in files],
                "usedStorage": sum(os.path.getsize(os.path.join(files_root, did, p)) for p in rel_paths),
            }
            fh.write(orjson.dumps(rec) + b"\n")
            self.ds_next += 1
            self.counts["datasets"] += 1

    def _write_repo_meta(self, repo_dir: str, repo_id: str, text: str) -> None:
        with open(os.path.join(repo_dir, ".gitattributes"), "w") as f:
            f.write("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
        with open(os.path.join(repo_dir, "README.md"), "w") as f:
            f.write("---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n"
                    f"---\n\n# {repo_id}\n\n{text}\n")

    # -- spaces ------------------------------------------------------------------------
    def _spaces(self, fh) -> None:
        rng = random.Random(self.seed * 53 + 9)
        fixed = [("open-llm-leaderboard/open_llm_leaderboard", "docker"), ("mteb/leaderboard", "gradio")]
        n_gen = max(0, self.S - len(fixed))
        namer = _Namer(K.FIXED_ORGS, max(20, n_gen // 3 + 1), self.seed, n_gen + 100)
        for sid, _sdk in fixed:
            namer.reserve(sid)
        times = self._timeline(n_gen, rng) if n_gen else array("d")
        sdk_pick = _Weighted(K.SPACE_SDKS)
        written = 0
        for j, (sid, sdk) in enumerate(fixed):
            if written >= self.S:
                break
            fh.write(orjson.dumps(self._space_record(rng, j, sid, parse_iso("2023-05-01") + j * 86400 * 30, sdk,
                                                     popular=True)) + b"\n")
            written += 1
        for j in range(n_gen):
            o = namer.user_org(rng, 1.8) if rng.random() < 0.97 else namer.fixed_index[rng.choice(K.SPACE_ORGS)]
            stem = _safe_stem(rng.choice(K.SPACE_STEMS) + (rng.choice(["", "-v2", "-demo", "-app"])
                                                             if rng.random() < 0.4 else ""))
            sid = namer.make(o, stem)
            rec = self._space_record(rng, len(fixed) + j, sid, times[j], sdk_pick.pick(rng))
            if rng.random() < 0.002 or (j == n_gen // 2 and not self.redirects["space"]):
                old = f"{gen_name(10**7 + 70_000 + len(self.redirects['space']), self.seed)}/{sid.split('/', 1)[1]}"
                self.redirects["space"][old] = sid
            fh.write(orjson.dumps(rec) + b"\n")
            written += 1
        self.counts["spaces"] = written

    def _space_record(self, rng: random.Random, idx: int, sid: str, t: float, sdk: str, popular: bool = False) -> dict:
        floored = t < FLOOR_EPOCH
        lm = max(t + (self.now - t) * rng.random() ** 2, FLOOR_EPOCH if floored else t)
        lm = min(lm, self.now)
        likes = int(math.exp(rng.gauss(-0.5, 1.9)) * (300 if popular else 1))
        org, _, name = sid.partition("/")
        lic = rng.choice(["mit", "apache-2.0", "other", None])
        card: dict[str, Any] = {"title": name.replace("-", " ").title(), "emoji": rng.choice(K.EMOJIS),
                                "colorFrom": rng.choice(K.COLORS), "colorTo": rng.choice(K.COLORS), "sdk": sdk,
                                "pinned": False}
        if sdk == "gradio":
            card["sdk_version"] = rng.choice(["3.50.2", "4.44.1", "5.9.1", "5.23.0"])
            card["app_file"] = "app.py"
        elif sdk == "streamlit":
            card["sdk_version"] = rng.choice(["1.28.0", "1.41.1"])
            card["app_file"] = "app.py"
        if lic:
            card["license"] = lic
        models = []
        if rng.random() < 0.4 and self.popular_models:
            models = list(dict.fromkeys(rng.choice(self.popular_models) for _ in range(1 + int(rng.random() * 3))))
        datasets = []
        if rng.random() < 0.15 and self.popular_datasets:
            datasets = [rng.choice(self.popular_datasets)]
        tags = [sdk] + (["mcp-server"] if rng.random() < 0.03 else []) + ([f"license:{lic}"] if lic else []) + [
            "region:us"]
        files = [".gitattributes", "README.md"] + {
            "gradio": ["app.py", "requirements.txt"], "streamlit": ["app.py", "requirements.txt"],
            "docker": ["Dockerfile", "app.py"], "static": ["index.html", "style.css"]}[sdk]
        stage = "RUNNING" if rng.random() < 0.35 else rng.choice(["SLEEPING", "SLEEPING", "RUNTIME_ERROR", "PAUSED",
                                                                  "BUILD_ERROR"])
        sub = "".join(ch if ch.isalnum() else "-" for ch in f"{org}-{name}".lower())
        return {
            "_id": object_id(t, floored, "space", idx, self.seed),
            "id": sid,
            "author": org,
            "sha": digest_hex("sha", self.seed, "space", idx, 0),
            "lastModified": iso(lm),
            "private": False,
            "gated": False,
            "disabled": False,
            "likes": likes,
            "trendingScore": int(likes * rng.random() * math.exp(-(self.now - lm) / (15 * 86400))),
            "tags": tags,
            "sdk": sdk,
            "runtime": {"stage": stage, "hardware": {"current": "cpu-basic" if stage == "RUNNING" else None,
                                                     "requested": "cpu-basic"}},
            "createdAt": FLOOR_ISO if floored else iso(t),
            "cardData": card,
            "siblings": [{"rfilename": f} for f in files],
            "models": models,
            "datasets": datasets,
            "subdomain": sub,
            "usedStorage": int(math.exp(rng.gauss(12, 2))),
        }

    # -- orchestration -----------------------------------------------------------------
    def run(self) -> dict:
        os.makedirs(self.out, exist_ok=True)
        for stale in ("world.json", "models.jsonl", "datasets.jsonl", "spaces.jsonl", "redirects.json"):
            p = os.path.join(self.out, stale)
            if os.path.exists(p):
                os.remove(p)
        shutil.rmtree(os.path.join(self.out, "files"), ignore_errors=True)
        shutil.rmtree(os.path.join(self.out, ".cache"), ignore_errors=True)  # the server's compiled stores
        with open(os.path.join(self.out, "datasets.jsonl"), "wb") as dfh:
            self._datasets(dfh)
            self._pass1()
            self._edges()
            self._select_evals()
            with open(os.path.join(self.out, "models.jsonl"), "wb") as mfh:
                self._pass2(mfh)
            self._eval_files(dfh)
        with open(os.path.join(self.out, "spaces.jsonl"), "wb") as sfh:
            self._spaces(sfh)
        with open(os.path.join(self.out, "redirects.json"), "wb") as f:
            f.write(orjson.dumps(self.redirects, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        self.counts["redirects"] = {k: len(v) for k, v in self.redirects.items()}
        manifest = {
            "generated": True,
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "now": self.now_iso,
            "counts": self.counts,
            "generation": 0,
            "next_index": {"model": self.N, "dataset": self.ds_next, "space": self.counts["spaces"]},
            "org_pool": {"model": self.namer.pool},
            "anchors": [self.ids[i] for i in sorted(self.anchor_at)],
            "eval_datasets": {"open_llm_leaderboard": "open-llm-leaderboard/contents", "mteb": "mteb/results"},
            "mutations": [],
        }
        _write_manifest(self.out, manifest)
        return manifest


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    n = abs(n) + 36
    while n:
        n, r = divmod(n, 36)
        s = digits[r] + s
    return s


def _write_manifest(out: str, manifest: dict) -> None:
    tmp = os.path.join(out, "world.json.tmp")
    with open(tmp, "wb") as f:
        f.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    os.replace(tmp, os.path.join(out, "world.json"))


def generate(out_dir: str | os.PathLike, models: int = 5000, datasets: int = 2000, spaces: int = 1500,
             seed: int = 0, now: str | None = None) -> dict:
    """Write a synthetic Hub world to ``out_dir`` and return its manifest (also in world.json).

    ``now`` is an ISO timestamp (default ``2026-09-01T00:00:00.000Z``, fixed so a seed always
    gives the same world). Same seed, sizes and ``now`` give byte-identical files.
    """
    return _Gen(os.fspath(out_dir), models, datasets, spaces, seed, now).run()


def load_manifest(world_dir: str | os.PathLike) -> dict:
    with open(os.path.join(os.fspath(world_dir), "world.json"), "rb") as f:
        return orjson.loads(f.read())


# ----------------------------------------------------------------------------------------
# mutate: simulate the next day
# ----------------------------------------------------------------------------------------
def _num_params(rec: dict) -> int:
    for key in ("safetensors", "gguf"):
        v = rec.get(key)
        if isinstance(v, dict) and isinstance(v.get("total"), int):
            return v["total"]
    return 0


def mutate(world_dir: str | os.PathLike, changed: int = 100, new: int = 20, seed: int | None = None) -> dict:
    """Advance the world by one day, in place.

    * ``changed`` existing models get a lastModified within the new day and a new sha; about a
      third also get a changed cardData (an extra card tag, mirrored in ``tags``).
    * ``new`` models are added (created within the new day), mostly derivatives of existing
      models with proper lineage tags and cardData.
    * downloads / downloadsAllTime / likes / trendingScore of about 60% of models drift.
    * world.json: ``now`` += 1 day, counts updated, ``generation`` += 1, a ``mutations`` entry.
    Datasets and spaces are left as they are.
    """
    wd = os.fspath(world_dir)
    man = load_manifest(wd)
    gen = int(man.get("generation", 0)) + 1
    base_seed = int(man.get("seed", 0))
    rng = random.Random(seed if seed is not None else base_seed * 1_000_003 + gen)
    old_now = parse_iso(man["now"])
    new_now = old_now + 86400
    counts = man["counts"]
    n_models = int(counts["models"])
    changed_idx = set(rng.sample(range(n_models), min(max(0, changed), n_models)))
    src = os.path.join(wd, "models.jsonl")
    tmp = src + ".tmp"
    reservoir: list[dict] = []
    seen_parents = 0
    n_changed = 0
    card_changes = 0
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        for idx, line in enumerate(fin):
            is_changed = idx in changed_idx
            drift = rng.random() < 0.6
            if not (is_changed or drift or len(reservoir) < 4000 or rng.random() < 0.01):
                fout.write(line)
                continue
            rec = orjson.loads(line)
            pipe = rec.get("pipeline_tag")
            if pipe in PIPE_TO_CAT and rec.get("library_name") not in ("gguf", "peft"):
                seen_parents += 1
                info = {"id": rec["id"], "pipeline": pipe, "library": rec.get("library_name"),
                        "params": _num_params(rec), "model_type": (rec.get("config") or {}).get("model_type"),
                        "license": next((t[8:] for t in rec.get("tags", []) if t.startswith("license:")), None)}
                if len(reservoir) < 4000:
                    reservoir.append(info)
                else:
                    j = int(rng.random() * seen_parents)
                    if j < 4000:
                        reservoir[j] = info
            if drift:
                d = int(rec.get("downloads") or 0)
                d = max(0, int(d * math.exp(rng.gauss(0.0, 0.15))) + (1 if rng.random() < 0.1 else 0))
                rec["downloads"] = d
                alltime = int(rec.get("downloadsAllTime") or 0) + max(0, int(d / 30 * math.exp(rng.gauss(0, 0.3))))
                rec["downloadsAllTime"] = max(alltime, d)
                likes = int(rec.get("likes") or 0)
                if rng.random() < min(0.6, 0.02 + likes / 300):
                    likes += 1 + int(rng.random() * max(1, likes // 100))
                rec["likes"] = likes
                rec["trendingScore"] = int(max(0, (rec.get("trendingScore") or 0) * 0.8 + likes * rng.random() * 0.02))
            if is_changed:
                n_changed += 1
                rec["sha"] = digest_hex("sha", base_seed, "model", rec["id"], gen)
                rec["lastModified"] = iso(old_now + 1 + rng.random() * (86400 - 2))
                if isinstance(rec.get("cardData"), dict) and rng.random() < 0.35:
                    card = rec["cardData"]
                    newtag = rng.choice(["updated", "v2", "reviewed", "eval", "fixed-tokenizer", "long-context"])
                    ctags = card.get("tags")
                    if not isinstance(ctags, list):
                        ctags = []
                    if newtag not in ctags:
                        card["tags"] = ctags + [newtag]
                        tags = rec.get("tags") or []
                        if newtag not in tags:
                            region = [t for t in tags if t.startswith("region:")]
                            rec["tags"] = [t for t in tags if not t.startswith("region:")] + [newtag] + region
                    card_changes += 1
            fout.write(orjson.dumps(rec) + b"\n")
        # new models
        next_model = int(man.get("next_index", {}).get("model", n_models))
        pool = int(man.get("org_pool", {}).get("model", max(30, n_models // 4)))
        n_new = 0
        new_rels: dict[str, int] = {}
        for j in range(max(0, new)):
            idx = next_model + j
            t = old_now + (j + rng.random()) / max(1, new) * 86400
            parent = reservoir[int(rng.random() * len(reservoir))] if reservoir and rng.random() < 0.75 else None
            if parent is not None:
                ckey = PIPE_TO_CAT[parent["pipeline"]]
                c = K.CATEGORIES[K.CAT_INDEX[ckey]]
                u = rng.random()
                if ckey == "llm":
                    r = K.REL_FT if u < 0.55 else (K.REL_QU if u < 0.85 else K.REL_AD)
                else:
                    r = K.REL_FT if u < 0.9 else K.REL_AD
                pname = _strip_counter(parent["id"].split("/", 1)[1])
                qsuf = qf = None
                lib = parent["library"]
                if r == K.REL_QU:
                    qsuf, qf = "GGUF", "gguf"
                    lib = "gguf"
                    suffix = qsuf
                elif r == K.REL_AD:
                    lib = "diffusers" if ckey == "diffusion" else "peft"
                    suffix = "lora"
                else:
                    sufs = c.ft_suffixes
                    if isinstance(sufs, dict):
                        sufs = sufs.get(parent["pipeline"], next(iter(sufs.values())))
                    suffix = rng.choice(sufs) if sufs else "finetuned"
                stem = _safe_stem(f"{pname[:40]}-{suffix}")
                mt = K.MT_INDEX.get(parent["model_type"] or "", -1)
                parents = [parent["id"]]
                pipe = parent["pipeline"]
                params = parent["params"]
                lic = parent["license"] or "apache-2.0"
                q = rng.gauss(-0.06, 0.35)
            else:
                c = K.CATEGORIES[K.CAT_INDEX["misc"]]
                r = 0
                stem = _safe_stem(rng.choice(c.root_bases))
                mt, parents, pipe, params, lic, q, lib, qsuf, qf = -1, [], None, 0, "mit", 0.0, None, None, None
            org = gen_name(min(pool - 1, int(pool * rng.random() ** 2.2)), base_seed)
            mid = f"{org}/{stem}-{idx + 2}"
            s = Spec(index=idx, id=mid, cat=c, pipeline=pipe, library=lib, mtype=mt, params=params, rel=r,
                     parents=parents, edge=None, created=t, lastmod=t, sha=digest_hex("sha", base_seed, "model", idx, gen),
                     license=lic, chat=False, qfmt=qf, quant_suffix=qsuf, anchor=False, fixed=False, nchild=0, q=q,
                     gated=False, datasets=[], seed=base_seed, now=new_now, has_card=True)
            rec = build_model(s, rng)
            fout.write(orjson.dumps(rec) + b"\n")
            n_new += 1
            rname = K.REL_NAMES.get(r, "root")
            new_rels[rname] = new_rels.get(rname, 0) + 1
    os.replace(tmp, src)
    counts["models"] = n_models + n_new
    rel_counts = counts.setdefault("relations", {})
    for k, v in new_rels.items():
        rel_counts[k] = rel_counts.get(k, 0) + v
    man["counts"] = counts
    man["now"] = iso(new_now)
    man["generation"] = gen
    man.setdefault("next_index", {})["model"] = next_model + n_new
    man.setdefault("mutations", []).append({"generation": gen, "now": man["now"], "changed": n_changed,
                                            "card_changes": card_changes, "new": n_new})
    _write_manifest(wd, man)
    return man
