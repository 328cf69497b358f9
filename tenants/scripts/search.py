"""Finding the answer while the caller waits: products and FAQ entries by any word of a question,
whatever the width (ｻｲｽﾞ/サイズ), kana (さいず/サイズ) or case, ranked, within one script.

Text is normalised with NFKC, lower-cased and folded from katakana to hiragana. A query splits on
spaces into words; a Japanese word without spaces also counts by its two-character pieces, so
「綿のシャツ」 finds 「綿100%のシャツ」.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

KATAKANA = re.compile("[\u30a1-\u30f6]")
FIELDS = {
    "faqs": (("question", 3.0), ("tags", 2.0), ("answer", 1.0), ("products", 1.0)),
    "products": (
        ("name", 3.0),
        ("reading", 3.0),
        ("sku", 3.0),
        ("material", 1.5),
        ("colours", 1.5),
        ("sizes", 1.5),
        ("care", 1.0),
        ("notes", 1.0),
    ),
}


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), folded)


def _terms(query: str) -> list[tuple[str, float]]:
    words = [w for w in re.split(r"[\s、。,.?？!！]+", normalise(query)) if w]
    terms: list[tuple[str, float]] = []
    for word in words:
        terms.append((word, 1.0))
        if len(word) > 2 and not word.isascii():
            terms += [(word[i : i + 2], 0.3) for i in range(len(word) - 1)]
    return terms


@dataclass(frozen=True)
class Hit:
    kind: str  # "faqs" or "products"
    item: dict[str, Any]
    score: float


def search(content: dict[str, Any], query: str, limit: int = 20) -> list[Hit]:
    terms = _terms(query)
    if not terms:
        return []
    hits = []
    for kind, fields in FIELDS.items():
        for item in content.get(kind, []):
            texts = []
            for name, weight in fields:
                value = item.get(name) or ""
                text = " ".join(value) if isinstance(value, list) else str(value)
                texts.append((normalise(text), weight))
            score = sum(
                term_weight * weight
                for term, term_weight in terms
                for text, weight in texts
                if term in text
            )
            if score > 0:
                hits.append(Hit(kind, item, score))
    hits.sort(key=lambda hit: -hit.score)
    return hits[:limit]
