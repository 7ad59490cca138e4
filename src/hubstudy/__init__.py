"""hubstudy: a nightly, lineage-aware crawl of the Hugging Face Hub and the fine-tune-vs-parent study."""

__version__ = "0.1.0"
