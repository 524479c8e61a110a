"""Statement classification: type, theme and stance with a project-trained spaCy pipeline.

The shipped model is one blank-``nb`` pipeline per head (``type/``, ``theme/``,
``stance/``), each a single exclusive ``textcat`` with a bag-of-n-grams model over the
rule features of :mod:`processing.rules`. One pipeline per head because exclusive
``textcat`` components validate *all* ``doc.cats`` of an example, so three heads
cannot share one pipeline's annotations; it also lets the stance head train on
positions only. Hints stated by the source win over the model with confidence 1.0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from models.records import Labels, Passage, Stance, StatementType
from processing.rules import features
from processing.taxonomy import load_taxonomy

HEADS: tuple[str, ...] = ("type", "theme", "stance")
PIPELINES_DIR = Path(__file__).with_name("pipelines")
DEFAULT_VERSION = "samordne-nb-2026.11.1"
DEFAULT_MODEL = PIPELINES_DIR / DEFAULT_VERSION
DEFAULT_THRESHOLD = 0.6


class ModelError(RuntimeError):
    """The model directory is missing or incomplete."""


@dataclass
class Classifier:
    """Three text classifiers (type, theme, stance) plus the metadata they were trained with."""

    pipelines: dict[str, Language]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @property
    def prefixes(self) -> bool:
        return bool(self.meta.get("options", {}).get("prefixes", True))

    def scores(
        self, texts: Sequence[str], heads: Sequence[str] = HEADS, batch_size: int = 1000
    ) -> list[dict[str, dict[str, float]]]:
        """Raw label scores of the requested heads for each text."""
        return self._scores([features(t, prefixes=self.prefixes) for t in texts], heads, batch_size)

    def _scores(
        self, feats: Sequence[list[str]], heads: Sequence[str], batch_size: int = 1000
    ) -> list[dict[str, dict[str, float]]]:
        # The heads share one vocabulary and their label sets are disjoint, so one Doc per
        # text goes through every requested head and collects all scores in doc.cats.
        out: list[dict[str, dict[str, float]]] = [{} for _ in feats]
        for vocab, group in _by_vocab(self.pipelines).items():
            wanted = [head for head in group if head in heads]
            if not wanted:
                continue
            docs: Iterable[Doc] = (Doc(vocab, words=f) for f in feats)
            for head in wanted:
                for _name, proc in self.pipelines[head].pipeline:
                    docs = proc.pipe(docs, batch_size=batch_size)  # type: ignore[attr-defined]
            labels = {head: self.pipelines[head].get_pipe("textcat").labels for head in wanted}  # type: ignore[attr-defined]
            for i, doc in enumerate(docs):
                cats = doc.cats
                for head in wanted:
                    out[i][head] = {label: float(cats[label]) for label in labels[head]}
        return out

    def classify(
        self,
        texts: Sequence[str],
        hints: Sequence[Passage | None] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Labels]:
        """Labels for each text; hints win, low confidence marks the statement for review."""
        if hints is not None and len(hints) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(hints)} hints")
        taxonomy = load_taxonomy()
        feats = [features(t, prefixes=self.prefixes) for t in texts]
        scored_all = self._scores(feats, heads=("type", "theme"))
        # the stance head runs only where the statement is a position without a stance hint
        want_stance = [
            i
            for i, scored in enumerate(scored_all)
            if _needs_stance(_best(scored["type"])[0], hints[i] if hints is not None else None)
        ]
        for i, stance_scores in zip(
            want_stance, self._scores([feats[i] for i in want_stance], heads=("stance",)), strict=True
        ):
            scored_all[i].update(stance_scores)
        results: list[Labels] = []
        for i, scored in enumerate(scored_all):
            hint = hints[i] if hints is not None else None
            reasons: list[str] = []
            type_label, type_conf = _best(scored["type"])
            theme_label, theme_conf = _best(scored["theme"])
            stance_label: str | None = None
            stance_conf: float | None = None
            if "stance" in scored:
                stance_label, stance_conf = _best(scored["stance"])
            hint_theme = taxonomy.normalise(hint.hint_theme) if hint and hint.hint_theme else None
            if hint is not None and hint.hint_type is not None:
                type_label, type_conf = hint.hint_type.value, 1.0
            elif hint is not None and hint.hint_stance is not None:
                type_label, type_conf = StatementType.POSITION.value, 1.0
            if hint_theme is not None:
                theme_label, theme_conf = hint_theme, 1.0
            elif hint is not None and hint.hint_theme:
                reasons.append("theme_hint_unknown")
            if hint is not None and hint.hint_stance is not None:
                stance_label, stance_conf = hint.hint_stance.value, 1.0
            if type_label != StatementType.POSITION.value:
                stance_label, stance_conf = None, None
            if type_conf < threshold:
                reasons.insert(0, "type_low_confidence")
            if theme_conf < threshold:
                reasons.append("theme_low_confidence")
            if stance_conf is not None and stance_conf < threshold:
                reasons.append("stance_low_confidence")
            results.append(
                Labels(
                    type=StatementType(type_label),
                    theme=theme_label,
                    stance=Stance(stance_label) if stance_label else None,
                    type_confidence=round(type_conf, 4),
                    theme_confidence=round(theme_conf, 4),
                    stance_confidence=None if stance_conf is None else round(stance_conf, 4),
                    model_version=self.version,
                    needs_review=bool(reasons),
                    review_reasons=tuple(dict.fromkeys(reasons)),
                )
            )
        return results


def _needs_stance(predicted_type: str, hint: Passage | None) -> bool:
    if hint is not None and hint.hint_stance is not None:
        return False
    if hint is not None and hint.hint_type is not None:
        return hint.hint_type is StatementType.POSITION
    return predicted_type == StatementType.POSITION.value


def _by_vocab(pipelines: dict[str, Language]) -> dict[Vocab, list[str]]:
    groups: dict[Vocab, list[str]] = {}
    for head in HEADS:
        groups.setdefault(pipelines[head].vocab, []).append(head)
    return groups


def lean_vocab(vocab: Vocab) -> Vocab:
    """Drop lexical attribute getters: the BOW models read ORTH only, and new words get 4x cheaper."""
    vocab.lex_attr_getters = {}  # type: ignore[attr-defined]
    return vocab


def _best(cats: dict[str, float]) -> tuple[str, float]:
    # sorted() first: ties resolve by label name, so output never depends on dict order
    label = max(sorted(cats), key=lambda k: cats[k])
    return label, float(cats[label])


def read_classifier(path: Path) -> Classifier:
    """Load a model directory written by ``processing.training.train.train`` (uncached)."""
    import spacy

    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise ModelError(
            f"{path}: no meta.json - is this a samordne model directory? Train one with `samordne train`"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    pipelines: dict[str, Language] = {}
    vocab: Vocab | bool = True  # the first head loads its vocabulary, the others share it
    for head in HEADS:
        if not (path / head).is_dir():
            raise ModelError(
                f"{path}: component directory '{head}/' is missing; retrain with `samordne train`"
            )
        pipelines[head] = spacy.load(path / head, vocab=vocab)
        vocab = lean_vocab(pipelines[head].vocab)
    return Classifier(pipelines=pipelines, meta=meta)


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> Classifier:
    return read_classifier(path)


def load_classifier(path: Path | None = None) -> Classifier:
    """The classifier at ``path`` (default: the shipped model), loaded once per process."""
    return _load_cached(Path(path or DEFAULT_MODEL).resolve())
