"""The README's generated sections: the schema and the list of analysis views.

``python -m hubstudy.docs`` rewrites those sections of README.md in place; a test checks that the
README equals what this module produces, so the docs cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import schema

ROOT = Path(__file__).resolve().parents[2]


def schema_markdown() -> str:
    text = schema.markdown()
    try:
        from .evals.schema import EVAL_SCORES
    except ImportError:
        return text
    desc, cols = EVAL_SCORES
    rows = "\n".join(f"| `{n}` | {t} | {w} |" for n, t, w in cols)
    return f"{text}\n#### `eval_scores`\n{desc}\n\n| column | type | meaning |\n|---|---|---|\n{rows}\n"


def describe_sql(text: str) -> str:
    """The first paragraph of a SQL file's leading comment, on one line."""
    lines: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("--"):
            break
        body = s[2:].strip()
        if not body:
            if lines:
                break
            continue
        lines.append(body)
    return re.sub(r"\s+", " ", " ".join(lines)).replace("|", "\\|")


GROUPS = (("study_", "Fine-tune vs parent"), ("growth_", "Platform growth"), ("quality_", "Coverage and data quality"),
          ("crawl_", "Crawl health"), ("", "Other"))


def analyses_markdown(analysis_dir: Path | None = None) -> str:
    folder = analysis_dir or ROOT / "analysis"
    files = sorted(folder.glob("*.sql"))
    out: list[str] = []
    done: set[str] = set()
    for prefix, title in GROUPS:
        group = [p for p in files if p.stem.startswith(prefix) and p.stem not in done]
        if not group:
            continue
        out.append(f"#### {title}\n\n| table | what it returns |\n|---|---|")
        for p in group:
            done.add(p.stem)
            out.append(f"| `{p.stem}` | {describe_sql(p.read_text()) or '(no description)'} |")
        out.append("")
    return "\n".join(out)


def study_markdown() -> str:
    """The study's definitions (word for word from the design) and its comparison views."""
    try:
        from .study import STUDY_DEFINITIONS, VIEWS
    except ImportError:
        return ""
    rows = "\n".join(f"| `{name}` | {desc.replace('|', '/')} |" for name, (_, desc) in VIEWS.items() for desc in [desc.split(' Derivative:')[0]])
    return f"{STUDY_DEFINITIONS.replace('### Definitions', '#### Definitions')}\n#### Comparison views\n\n| view | what it holds |\n|---|---|\n{rows}\n"


def _replace(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text:
        raise SystemExit(f"README has no {start} marker")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body.strip()}\n{end}{tail}"


def update_readme(path: Path = ROOT / "README.md") -> None:
    text = path.read_text()
    text = _replace(text, "schema", schema_markdown())
    text = _replace(text, "analyses", analyses_markdown())
    text = _replace(text, "study", study_markdown())
    path.write_text(text)


if __name__ == "__main__":
    update_readme(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md")
