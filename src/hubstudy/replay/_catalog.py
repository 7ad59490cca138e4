"""Static vocabulary for the synthetic Hub: model categories, anchors, names, benchmarks.

Everything here is plain data; :mod:`hubstudy.replay.world` draws from it with a seeded RNG.
Names are invented or generic; a few well-known repository ids are used as *anchors* so the
study's claims (all-MiniLM-L6-v2 and its derivatives, Llama/Mistral families) have something to
point at. None of the numbers are real measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REL_NONE, REL_FT, REL_AD, REL_QU, REL_ME = 0, 1, 2, 3, 4
REL_NAMES = {REL_FT: "finetune", REL_AD: "adapter", REL_QU: "quantized", REL_ME: "merge"}

# model_type -> (class prefix, default auto-model head for its "home" task)
MODEL_TYPES: list[tuple[str, str]] = [
    ("llama", "Llama"),
    ("mistral", "Mistral"),
    ("qwen2", "Qwen2"),
    ("gemma2", "Gemma2"),
    ("phi3", "Phi3"),
    ("gpt2", "GPT2"),
    ("gpt_neox", "GPTNeoX"),
    ("falcon", "Falcon"),
    ("olmo", "Olmo"),
    ("mixtral", "Mixtral"),
    ("bert", "Bert"),
    ("roberta", "Roberta"),
    ("distilbert", "DistilBert"),
    ("deberta-v2", "DebertaV2"),
    ("xlm-roberta", "XLMRoberta"),
    ("mpnet", "MPNet"),
    ("whisper", "Whisper"),
    ("wav2vec2", "Wav2Vec2"),
    ("vit", "ViT"),
    ("convnext", "ConvNext"),
    ("swin", "Swin"),
    ("detr", "Detr"),
    ("t5", "T5"),
    ("bart", "Bart"),
    ("marian", "Marian"),
]
MT_INDEX = {name: i for i, (name, _) in enumerate(MODEL_TYPES)}

# pipeline -> (architecture suffix, transformers auto class)
HEADS = {
    "text-generation": ("ForCausalLM", "AutoModelForCausalLM"),
    "text-classification": ("ForSequenceClassification", "AutoModelForSequenceClassification"),
    "token-classification": ("ForTokenClassification", "AutoModelForTokenClassification"),
    "question-answering": ("ForQuestionAnswering", "AutoModelForQuestionAnswering"),
    "fill-mask": ("ForMaskedLM", "AutoModelForMaskedLM"),
    "sentence-similarity": ("Model", "AutoModel"),
    "feature-extraction": ("Model", "AutoModel"),
    "automatic-speech-recognition": ("ForConditionalGeneration", "AutoModelForSpeechSeq2Seq"),
    "image-classification": ("ForImageClassification", "AutoModelForImageClassification"),
    "object-detection": ("ForObjectDetection", "AutoModelForObjectDetection"),
    "image-segmentation": ("ForSemanticSegmentation", "AutoModelForSemanticSegmentation"),
    "text2text-generation": ("ForConditionalGeneration", "AutoModelForSeq2SeqLM"),
    "summarization": ("ForConditionalGeneration", "AutoModelForSeq2SeqLM"),
    "translation": ("ForConditionalGeneration", "AutoModelForSeq2SeqLM"),
}


def architecture(model_type: int, pipeline: str | None) -> str | None:
    if model_type < 0 or pipeline not in HEADS:
        return None
    mt, prefix = MODEL_TYPES[model_type]
    suffix = HEADS[pipeline][0]
    if mt == "gpt2" and suffix == "ForCausalLM":
        return "GPT2LMHeadModel"
    if mt == "wav2vec2" and pipeline == "automatic-speech-recognition":
        return "Wav2Vec2ForCTC"
    return prefix + suffix


@dataclass
class Category:
    key: str
    pipelines: list[tuple[str | None, float]]
    libraries: list[tuple[str | None, float]]
    model_types: list[str]
    sizes: list[tuple[int, float]]
    share_early: float
    share_late: float
    deriv: float
    rels: tuple[float, float, float, float]  # finetune, adapter, quantized, merge
    parent_pools: list[tuple[str, float]]
    root_bases: list[str]
    root_mids: list[str]
    root_tails: list[str]
    ft_suffixes: list[str] | dict[str, list[str]]
    root_orgs: list[str] = field(default_factory=list)
    licenses: list[tuple[str, float]] = field(default_factory=lambda: [("apache-2.0", 0.5), ("mit", 0.3), ("other", 0.1), ("cc-by-4.0", 0.1)])


def _sizes(*pairs: tuple[float, float]) -> list[tuple[int, float]]:
    return [(int(p), w) for p, w in pairs]


CATEGORIES: list[Category] = [
    Category(
        key="llm",
        pipelines=[("text-generation", 1.0)],
        libraries=[("transformers", 1.0)],
        model_types=["llama", "mistral", "qwen2", "gemma2", "phi3", "gpt_neox", "falcon", "olmo"],
        sizes=_sizes((124e6, 2), (360e6, 3), (494e6, 3), (1.1e9, 4), (1.54e9, 4), (1.71e9, 2), (2.61e9, 3), (3.21e9, 4),
                     (3.82e9, 3), (7.24e9, 8), (8.03e9, 8), (9.24e9, 3), (12.2e9, 3), (13.0e9, 2), (14.7e9, 3), (27.2e9, 1),
                     (32.8e9, 2), (34.4e9, 1), (70.6e9, 2)),
        share_early=0.12, share_late=0.42, deriv=0.78, rels=(0.50, 0.13, 0.27, 0.10),
        parent_pools=[("llm", 1.0)],
        root_bases=["Llama", "Mistral", "Qwen", "gemma", "phi", "falcon", "OLMo", "pythia", "SmolLM", "granite", "Yi",
                    "deepseek-llm", "stablelm", "bloom", "opt", "gpt-neo", "TinyLlama", "mpt", "internlm", "Baichuan",
                    "aya", "jamba", "Hermes", "openchat", "Starling", "Zamba", "Falcon3", "EXAONE"],
        root_mids=["", "", "2", "3", "3.1", "3.2", "2.5", "1.5", "4", "v0.1", "v0.3", "v2", "Nemo", "Mini", "Pro"],
        root_tails=["", "", "", "", "-base", "-hf", "-Chat", "-Instruct", "-preview"],
        ft_suffixes=["Instruct", "chat", "sft", "dpo", "orpo", "it", "math", "code", "roleplay", "uncensored",
                     "abliterated", "kto", "grpo", "reasoning", "de", "ja", "ko", "tr", "fr", "medical", "legal",
                     "finance", "v0.2", "alpaca", "ultrachat", "SFT-v1", "DPO-full", "lora-merged", "cpt", "distill",
                     "RP", "storywriter", "tool-use", "R1-distill", "longctx"],
        root_orgs=["meta-llama", "mistralai", "Qwen", "google", "microsoft", "allenai", "EleutherAI", "tiiuae", "01-ai",
                   "deepseek-ai", "HuggingFaceTB", "ibm-granite", "nvidia"],
        licenses=[("apache-2.0", 0.45), ("mit", 0.15), ("llama3.1", 0.1), ("llama2", 0.05), ("gemma", 0.05),
                  ("other", 0.12), ("cc-by-nc-4.0", 0.08)],
    ),
    Category(
        key="embed",
        pipelines=[("sentence-similarity", 0.8), ("feature-extraction", 0.2)],
        libraries=[("sentence-transformers", 1.0)],
        model_types=["bert", "xlm-roberta", "mpnet"],
        sizes=_sizes((22.7e6, 3), (33.4e6, 3), (109e6, 3), (118e6, 2), (278e6, 2), (335e6, 2), (560e6, 1)),
        share_early=0.035, share_late=0.05, deriv=0.72, rels=(0.88, 0.05, 0.07, 0.0),
        parent_pools=[("embed", 0.8), ("encoder", 0.2)],
        root_bases=["e5", "bge", "gte", "nomic-embed-text", "mxbai-embed", "stella", "jina-embeddings", "multilingual-e5",
                    "paraphrase-MiniLM", "msmarco-distilbert", "arctic-embed", "instructor"],
        root_mids=["small", "base", "large", "xs", "mini"],
        root_tails=["", "", "-en", "-v1.5", "-v2", "-multilingual"],
        ft_suffixes=["finetuned", "nli", "msmarco", "legal", "medical", "matryoshka", "cos", "finance", "code",
                     "multilingual", "triplet", "mnrl", "domain-adapted", "scifact", "faq"],
        root_orgs=["sentence-transformers", "BAAI", "intfloat", "nomic-ai", "Snowflake"],
    ),
    Category(
        key="encoder",
        pipelines=[("fill-mask", 1.0)],
        libraries=[("transformers", 1.0)],
        model_types=["bert", "roberta", "distilbert", "deberta-v2", "xlm-roberta"],
        sizes=_sizes((66e6, 3), (110e6, 4), (125e6, 3), (184e6, 2), (335e6, 2), (355e6, 2)),
        share_early=0.08, share_late=0.02, deriv=0.3, rels=(1.0, 0.0, 0.0, 0.0),
        parent_pools=[("encoder", 1.0)],
        root_bases=["bert", "roberta", "distilbert", "deberta-v3", "electra", "albert", "xlm-roberta", "camembert",
                    "bertweet", "scibert", "biobert", "legal-bert", "MiniLM", "ModernBERT"],
        root_mids=["base", "large", "small", "tiny"],
        root_tails=["", "-uncased", "-cased", ""],
        ft_suffixes=["finetuned-wikitext", "domain", "clinical", "legal", "tweets", "mlm", "pubmed", "news"],
        root_orgs=["google-bert", "FacebookAI", "distilbert", "microsoft"],
    ),
    Category(
        key="enctask",
        pipelines=[("text-classification", 0.6), ("token-classification", 0.25), ("question-answering", 0.15)],
        libraries=[("transformers", 1.0)],
        model_types=["bert", "roberta", "distilbert", "deberta-v2", "xlm-roberta"],
        sizes=_sizes((66e6, 3), (110e6, 4), (125e6, 3), (184e6, 2), (335e6, 2)),
        share_early=0.20, share_late=0.08, deriv=0.82, rels=(0.93, 0.05, 0.02, 0.0),
        parent_pools=[("encoder", 0.75), ("enctask", 0.25)],
        root_bases=["sentiment-model", "ner-model", "qa-model", "intent-classifier", "spam-detector", "toxic-classifier"],
        root_mids=["base", "small", "v1"],
        root_tails=["", "-en"],
        ft_suffixes={
            "text-classification": ["finetuned-imdb", "finetuned-sst2", "sentiment", "finetuned-emotion",
                                    "finetuned-tweet-eval", "finetuned-mrpc", "toxicity", "finetuned-rotten-tomatoes",
                                    "go-emotions", "nli", "finetuned-yelp", "finetuned-ag-news"],
            "token-classification": ["finetuned-ner", "finetuned-conll03", "pos", "ner-ontonotes", "finetuned-wikiann"],
            "question-answering": ["finetuned-squad", "squad2", "finetuned-squad-v2", "qa", "finetuned-tydiqa"],
        },
    ),
    Category(
        key="diffusion",
        pipelines=[("text-to-image", 1.0)],
        libraries=[("diffusers", 1.0)],
        model_types=[],
        sizes=_sizes((860e6, 3), (2.57e9, 3), (3.5e9, 2), (12e9, 2)),
        share_early=0.01, share_late=0.10, deriv=0.8, rels=(0.22, 0.75, 0.03, 0.0),
        parent_pools=[("diffusion", 1.0)],
        root_bases=["stable-diffusion", "sdxl", "playground", "kandinsky", "pixart", "sd-turbo", "animagine", "hunyuan",
                    "lumina", "sana"],
        root_mids=["v1.5", "xl-base-1.0", "dev", "schnell", "v2", "turbo", "alpha", "sigma"],
        root_tails=["", "", "-diffusers"],
        ft_suffixes=["finetuned", "dreambooth", "anime", "v2", "pruned", "realistic", "inpainting", "lightning"],
        root_orgs=["stabilityai", "black-forest-labs", "runwayml"],
        licenses=[("openrail++", 0.3), ("creativeml-openrail-m", 0.3), ("other", 0.2), ("apache-2.0", 0.2)],
    ),
    Category(
        key="speech",
        pipelines=[("automatic-speech-recognition", 1.0)],
        libraries=[("transformers", 1.0)],
        model_types=["whisper", "wav2vec2"],
        sizes=_sizes((39e6, 2), (74e6, 2), (242e6, 3), (317e6, 3), (769e6, 2), (1.54e9, 2)),
        share_early=0.06, share_late=0.04, deriv=0.72, rels=(0.88, 0.08, 0.04, 0.0),
        parent_pools=[("speech", 1.0)],
        root_bases=["whisper", "wav2vec2", "hubert", "wavlm", "distil-whisper", "mms", "parakeet"],
        root_mids=["tiny", "small", "base", "medium", "large-v3", "large-xlsr"],
        root_tails=["", "", "-en"],
        ft_suffixes=["finetuned", "hi", "ar", "sw", "de", "fr", "ja", "common-voice", "librispeech", "timit", "en",
                     "medical-dictation"],
        root_orgs=["openai", "facebook"],
    ),
    Category(
        key="vision",
        pipelines=[("image-classification", 0.7), ("object-detection", 0.15), ("image-segmentation", 0.15)],
        libraries=[("transformers", 0.65), ("timm", 0.35)],
        model_types=["vit", "convnext", "swin", "detr"],
        sizes=_sizes((5.7e6, 2), (22e6, 3), (86e6, 4), (88e6, 2), (197e6, 2), (304e6, 1), (632e6, 1)),
        share_early=0.08, share_late=0.05, deriv=0.6, rels=(0.95, 0.05, 0.0, 0.0),
        parent_pools=[("vision", 1.0)],
        root_bases=["vit", "convnext", "swin", "deit", "beit", "resnet", "efficientnet", "dinov2", "detr", "segformer",
                    "yolos", "mobilevit"],
        root_mids=["base", "tiny", "small", "large"],
        root_tails=["", "-patch16", "-224px", "-in22k"],
        ft_suffixes=["finetuned-food101", "finetuned-cifar10", "finetuned-eurosat", "finetuned-beans",
                     "finetuned-mnist", "document", "medical", "plant-disease"],
        root_orgs=["google", "facebook", "microsoft"],
    ),
    Category(
        key="seq2seq",
        pipelines=[("text2text-generation", 0.4), ("summarization", 0.25), ("translation", 0.35)],
        libraries=[("transformers", 1.0)],
        model_types=["t5", "bart", "marian"],
        sizes=_sizes((60e6, 3), (77e6, 2), (139e6, 3), (223e6, 3), (406e6, 2), (611e6, 1), (783e6, 1), (2.85e9, 1)),
        share_early=0.07, share_late=0.03, deriv=0.62, rels=(0.9, 0.07, 0.03, 0.0),
        parent_pools=[("seq2seq", 1.0)],
        root_bases=["t5", "flan-t5", "bart", "mbart", "opus-mt", "pegasus", "mt5", "byt5", "nllb", "m2m"],
        root_mids=["small", "base", "large", "xl", "en-de", "en-fr", "cnn"],
        root_tails=["", ""],
        ft_suffixes=["finetuned-xsum", "finetuned-cnn", "samsum", "finetuned-wmt16", "en-hi", "summarization",
                     "paraphrase", "question-generation", "grammar"],
        root_orgs=["google", "facebook", "google-t5"],
    ),
    Category(
        key="rl",
        pipelines=[("reinforcement-learning", 1.0)],
        libraries=[("stable-baselines3", 0.6), ("ml-agents", 0.2), ("sample-factory", 0.2)],
        model_types=[],
        sizes=[],
        share_early=0.08, share_late=0.03, deriv=0.0, rels=(1.0, 0.0, 0.0, 0.0),
        parent_pools=[],
        root_bases=["ppo", "dqn", "a2c", "sac", "td3", "qrdqn"],
        root_mids=["LunarLander-v2", "CartPole-v1", "SpaceInvadersNoFrameskip-v4", "Huggy", "SnowballTarget",
                   "Pyramids", "PandaReachDense-v3", "BipedalWalker-v3"],
        root_tails=[""],
        ft_suffixes=[],
        licenses=[("mit", 0.3), ("apache-2.0", 0.2), ("other", 0.5)],
    ),
    Category(
        key="misc",
        pipelines=[(None, 0.75), ("image-text-to-text", 0.1), ("text-to-speech", 0.08), ("tabular-classification", 0.07)],
        libraries=[(None, 0.5), ("transformers", 0.2), ("keras", 0.1), ("onnx", 0.08), ("pytorch", 0.07), ("mlx", 0.05)],
        model_types=[],
        sizes=_sizes((1e6, 2), (10e6, 2), (100e6, 2), (1e9, 1)),
        share_early=0.21, share_late=0.18, deriv=0.0, rels=(1.0, 0.0, 0.0, 0.0),
        parent_pools=[],
        root_bases=["my-awesome-model", "test-model", "demo", "checkpoint", "experiment", "model", "project",
                    "baseline", "sample", "trained-model", "final-model", "assignment", "homework", "course-model"],
        root_mids=["", "", "v1", "best", "final"],
        root_tails=[""],
        ft_suffixes=[],
        licenses=[("mit", 0.3), ("apache-2.0", 0.3), ("other", 0.2), ("unknown", 0.2)],
    ),
]
CAT_INDEX = {c.key: i for i, c in enumerate(CATEGORIES)}

QUANT_SUFFIXES_LLM = [
    ("GGUF", "gguf", 10), ("i1-GGUF", "gguf", 4), ("Q4_K_M-GGUF", "gguf", 4), ("Q8_0-GGUF", "gguf", 2),
    ("AWQ", "awq", 3), ("GPTQ", "gptq", 2), ("GPTQ-Int4", "gptq", 1), ("bnb-4bit", "bnb", 3), ("4bit", "bnb", 1),
    ("8bit", "bnb", 1), ("exl2", "exl2", 1), ("MLX-4bit", "mlx", 2),
]
QUANT_SUFFIXES_OTHER = [("onnx", "onnx", 3), ("int8", "bnb", 1), ("GGUF", "gguf", 1), ("quantized", "onnx", 1)]
ADAPTER_SUFFIXES = ["lora", "qlora", "peft", "adapter", "LoRA", "lora-r16", "lora-alpha32"]
DIFFUSION_ADAPTER_SUFFIXES = ["lora", "LoRA", "style-lora", "anime-lora", "pixel-art-lora", "portrait-lora",
                              "watercolor-lora", "logo-lora", "realism-lora", "3d-render-lora", "flux-lora"]
MERGE_METHODS = ["slerp", "ties", "dare-ties", "della", "merge", "passthrough", "MoE", "model-stock", "linear"]
DELETED_WORDS = ["wip", "old", "tmp", "draft", "exp"]

QUANTIZER_ORGS = ["TheBloke", "bartowski", "mradermacher", "unsloth", "QuantFactory", "lmstudio-community"]

# Anchors: (id, category, true creation date, parameters, model_type, pipeline, gated, legacy name, license, q)
ANCHORS: list[tuple] = [
    ("sentence-transformers/all-MiniLM-L6-v2", "embed", "2021-08-30T12:00:00", 22_713_216, "bert",
     "sentence-similarity", False, None, "apache-2.0", 0.0),
    ("openai-community/gpt2", "llm", "2021-03-01T10:00:00", 137_022_720, "gpt2", "text-generation", False, "gpt2",
     "mit", -1.6),
    ("meta-llama/Llama-2-7b-hf", "llm", "2023-07-13T16:00:00", 6_738_415_616, "llama", "text-generation", "manual",
     None, "llama2", 0.1),
    ("google-bert/bert-base-uncased", "encoder", "2021-02-01T09:00:00", 110_106_428, "bert", "fill-mask", False,
     "bert-base-uncased", "apache-2.0", 0.0),
    ("mistralai/Mistral-7B-v0.1", "llm", "2023-09-20T13:03:50", 7_241_732_096, "mistral", "text-generation", False,
     None, "apache-2.0", 0.35),
    ("meta-llama/Llama-3.1-8B", "llm", "2024-07-14T22:20:15", 8_030_261_248, "llama", "text-generation", "manual",
     None, "llama3.1", 0.6),
    ("Qwen/Qwen2.5-7B", "llm", "2024-09-15T12:17:40", 7_615_616_512, "qwen2", "text-generation", False, None,
     "apache-2.0", 0.75),
    ("sentence-transformers/all-mpnet-base-v2", "embed", "2021-08-30T12:30:00", 109_486_464, "mpnet",
     "sentence-similarity", False, None, "apache-2.0", 0.25),
    ("FacebookAI/roberta-base", "encoder", "2021-03-10T08:00:00", 124_697_433, "roberta", "fill-mask", False,
     "roberta-base", "mit", 0.1),
    ("BAAI/bge-small-en-v1.5", "embed", "2023-09-12T05:11:00", 33_360_000, "bert", "feature-extraction", False, None,
     "mit", 0.3),
    ("stabilityai/stable-diffusion-xl-base-1.0", "diffusion", "2023-07-25T17:30:00", 3_500_000_000, None,
     "text-to-image", False, None, "openrail++", 0.0),
    ("openai/whisper-small", "speech", "2022-09-26T06:50:00", 241_734_912, "whisper", "automatic-speech-recognition",
     False, None, "apache-2.0", 0.0),
    ("allenai/OLMo-1B-hf", "llm", "2024-04-12T18:13:00", 1_176_764_416, "olmo", "text-generation", False, None,
     "apache-2.0", -0.7),
    ("google/gemma-2-2b", "llm", "2024-07-16T19:39:00", 2_614_341_888, "gemma2", "text-generation", "manual", None,
     "gemma", -0.1),
    ("black-forest-labs/FLUX.1-dev", "diffusion", "2024-07-29T20:53:00", 11_901_408_320, None, "text-to-image",
     "auto", None, "other", 0.0),
    ("google/vit-base-patch16-224-in21k", "vision", "2021-04-01T10:00:00", 86_389_248, "vit", "image-classification",
     False, None, "apache-2.0", 0.0),
    ("google-t5/t5-small", "seq2seq", "2021-02-15T10:00:00", 60_506_624, "t5", "translation", False, "t5-small",
     "apache-2.0", 0.0),
    ("intfloat/e5-small", "embed", "2022-12-19T07:52:00", 33_360_000, "bert", "sentence-similarity", False, None,
     "mit", 0.15),
    ("mistralai/Mixtral-8x7B-v0.1", "llm", "2023-12-01T09:42:00", 46_702_792_704, "mixtral", "text-generation",
     False, None, "apache-2.0", 0.9),
    ("meta-llama/Llama-3.1-70B", "llm", "2024-07-14T22:20:30", 70_553_706_496, "llama", "text-generation", "manual",
     None, "llama3.1", 1.3),
]
ANCHOR_ORGS = sorted({a[0].split("/")[0] for a in ANCHORS})

LANGS = ["en", "en", "en", "en", "zh", "fr", "de", "es", "ja", "ko", "ru", "ar", "hi", "pt", "it", "tr", "vi", "multilingual"]
ARXIV = ["2305.18290", "2310.16944", "2106.09685", "2307.09288", "1810.04805", "2203.02155", "2402.03300",
         "2311.03099", "2306.01708", "1908.10084"]

# --- datasets and spaces ------------------------------------------------------------------
DATASET_TASKS = ["text-generation", "text-classification", "question-answering", "token-classification",
                 "summarization", "translation", "image-classification", "automatic-speech-recognition",
                 "text-to-image", "sentence-similarity", "table-question-answering", "object-detection"]
DATASET_STEMS = ["instruct", "chat", "sft", "dpo-pairs", "preference", "reviews", "news", "wiki", "code", "math",
                 "qa", "ner", "sentiment", "images", "speech", "captions", "translations", "legal", "medical",
                 "finance", "tweets", "dialogues", "reasoning", "synthetic", "eval", "corpus", "benchmark-sample"]
SIZE_CATS = ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M"]
DATASET_ORGS = ["HuggingFaceH4", "HuggingFaceFW", "allenai", "nvidia", "openbmb", "argilla", "bigcode",
                "teknium", "Open-Orca", "stanfordnlp"]
POPULAR_DATASETS = ["HuggingFaceH4/ultrachat_200k", "HuggingFaceH4/ultrafeedback_binarized", "Open-Orca/SlimOrca",
                    "teknium/OpenHermes-2.5", "stanfordnlp/imdb", "stanfordnlp/sst2", "allenai/c4",
                    "HuggingFaceFW/fineweb-edu", "bigcode/the-stack-v2", "argilla/distilabel-intel-orca-dpo-pairs"]
# registered benchmark datasets (tag benchmark:official), used by evalResults
BENCHMARKS = [
    ("cais/mmlu", "mmlu", "mmlu", 0.25, 0.85),
    ("openai/gsm8k", "gsm8k", "gsm8k", 0.0, 0.9),
    ("TIGER-Lab/MMLU-Pro", "mmlu_pro", "mmlu_pro", 0.1, 0.7),
    ("Idavidrein/gpqa", "gpqa_diamond", "gpqa_diamond", 0.25, 0.6),
    ("google/IFEval", "ifeval", "ifeval", 0.2, 0.9),
    ("allenai/ai2_arc", "arc_challenge", "arc_challenge", 0.25, 0.9),
]
SPACE_SDKS = [("gradio", 0.62), ("streamlit", 0.14), ("docker", 0.15), ("static", 0.09)]
SPACE_STEMS = ["demo", "chatbot", "playground", "leaderboard", "arena", "image-generator", "voice-clone",
               "rag-assistant", "pdf-chat", "translator", "classifier-demo", "embedding-explorer", "app", "dashboard",
               "text-to-speech", "background-remover", "upscaler", "agent", "mcp-server", "portfolio"]
SPACE_ORGS = ["huggingface", "gradio", "HuggingFaceH4", "open-llm-leaderboard", "mteb", "akhaliq", "multimodalart"]

EMOJIS = ["🚀", "🤗", "🔥", "📚", "🎨", "🧠", "⚡", "🌍", "🎵", "📈", "💬", "🐢"]
COLORS = ["red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"]

FIXED_ORGS = sorted(set(ANCHOR_ORGS) | set(QUANTIZER_ORGS) | {o for c in CATEGORIES for o in c.root_orgs}
                    | set(DATASET_ORGS) | set(SPACE_ORGS) | {b[0].split("/")[0] for b in BENCHMARKS}
                    | {"open-llm-leaderboard", "mteb"})
