"""Statement classification: type, theme and stance with a project-trained spaCy pipeline.

The shipped model is one blank-``nb`` pipeline per head (``type/``, ``theme/``,
``stance/``), each a single exclusive ``textcat`` with a bag-of-words model
(``spacy.TextCatBOW.v3``, unigrams) over the rule features of :mod:`processing.rules`.
One pipeline per head because exclusive ``textcat`` components validate *all*
``doc.cats`` of an example, so three heads cannot share one pipeline's annotations;
it also lets the stance head train on positions only. The theme head's weights are fitted
by a logistic regression in training but stored in the same BOW layer. Hints stated by the
source win over the model with confidence 1.0.

Inference reads the three BOW layers as one linear model: a BOW score is the bias plus
the sum of one weight row per feature occurrence, so each distinct feature's row (all
17 labels) is taken once from spaCy's own ``SparseLinear`` layer and cached, and a
batch is scored with a gather and a segment sum instead of one ``Doc`` and one
``numpy.unique`` per text and head. ``Classifier.spacy_scores`` keeps the plain spaCy
path; the tests hold the two equal.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from models.records import Labels, Passage, Stance, StatementType
from processing.model_meta import DEFAULT_MODEL
from processing.rules import features, lemma
from processing.taxonomy import load_taxonomy

HEADS: tuple[str, ...] = ("type", "theme", "stance")
DEFAULT_THRESHOLD = 0.6
BATCH_SIZE = 4096
CACHE_MAX_FEATURES = 500_000  # cached weight rows (17 floats each, ~70 MB at most)
_BOW_EXCLUSIVE = "with_cpu(extract_ngrams>>resizable(sparse_linear))>>with_cpu(softmax_activation)"


class ModelError(RuntimeError):
    """The model directory is missing or incomplete."""


class _LinearHeads:
    """The BOW heads as one linear map: cached per-feature weight rows, one bias row, softmax per head."""

    def __init__(self, pipelines: dict[str, Language]) -> None:
        from spacy.strings import get_string_id

        self._hash = get_string_id  # symbols ("det", "nsubj" ...) map to their ids, as ORTH does
        self.layers: list[Any] = []
        self.slices: dict[str, slice] = {}
        self.labels: dict[str, tuple[str, ...]] = {}
        biases: list[np.ndarray] = []
        at = 0
        for head in HEADS:
            textcat = pipelines[head].get_pipe("textcat")
            model = textcat.model  # type: ignore[attr-defined]
            if model.name != _BOW_EXCLUSIVE:
                raise ModelError(f"head '{head}': expected an exclusive TextCatBOW model, got {model.name}")
            if model.layers[0].layers[0].layers[0].attrs["ngram_size"] != 1:
                raise ModelError(f"head '{head}': only unigram BOW models are supported")
            layer = model.get_ref("output_layer")
            self.layers.append(layer)
            self.labels[head] = tuple(textcat.labels)  # type: ignore[attr-defined]
            width = len(self.labels[head])
            self.slices[head] = slice(at, at + width)
            at += width
            biases.append(np.asarray(layer.get_param("b"), dtype=np.float64))
        self.bias = np.concatenate(biases)
        self.index: dict[str, int] = {}
        self.rows = np.zeros((0, at), dtype=np.float64)
        self._lock = threading.Lock()

    def _add(self, new: list[str]) -> None:
        keys = np.asarray([self._hash(f) for f in new], dtype=np.uint64)
        ones = np.ones(len(new), dtype=np.float32)
        lengths = np.ones(len(new), dtype=np.int32)
        parts = [
            np.asarray(layer.predict((keys, ones, lengths)), dtype=np.float64) - layer.get_param("b")
            for layer in self.layers
        ]
        added = np.concatenate(parts, axis=1)
        base = len(self.index)
        # rows before index: a reader that finds a feature in the index also finds its row
        self.rows = np.concatenate([self.rows, added])
        self.index = {**self.index, **{f: base + i for i, f in enumerate(new)}}

    def logits(self, feats: Sequence[list[str]]) -> np.ndarray:
        with self._lock:  # the shipped classifier is shared (lru_cache); tasks may run in threads
            new = list(dict.fromkeys(f for fs in feats for f in fs if f not in self.index))
            if (
                new and len(self.index) + len(new) > CACHE_MAX_FEATURES
            ):  # unseen words keep coming: start afresh
                self.index, self.rows = {}, np.zeros((0, self.rows.shape[1]), dtype=np.float64)
                new = list(dict.fromkeys(f for fs in feats for f in fs))
            if new:
                self._add(new)
            index, rows = self.index, self.rows
        flat = np.fromiter((index[f] for fs in feats for f in fs), dtype=np.intp)
        lengths = np.fromiter((len(fs) for fs in feats), dtype=np.intp, count=len(feats))
        out = np.tile(self.bias, (len(feats), 1))
        nonempty = lengths > 0
        if flat.size:
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            out[nonempty] += np.add.reduceat(rows[flat], starts, axis=0)
        return out

    def _probs(self, logits: np.ndarray, head: str) -> np.ndarray:
        part = logits[:, self.slices[head]]
        exp = np.exp(part - part.max(axis=1, keepdims=True))
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def best(self, feats: Sequence[list[str]]) -> dict[str, tuple[list[str], list[float]]]:
        """Arg-max label and its probability per head; ties go to the label first by name (as ``_best``)."""
        logits = self.logits(feats)
        out: dict[str, tuple[list[str], list[float]]] = {}
        for head in HEADS:
            names = sorted(self.labels[head])
            probs = self._probs(logits, head)[:, [self.labels[head].index(n) for n in names]]
            picked = probs.argmax(axis=1)
            out[head] = ([names[k] for k in picked], probs[np.arange(len(feats)), picked].tolist())
        return out

    def scores(self, feats: Sequence[list[str]], heads: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        logits = self.logits(feats)
        probs = {head: self._probs(logits, head).tolist() for head in heads}
        return [
            {head: dict(zip(self.labels[head], probs[head][i], strict=True)) for head in heads}
            for i in range(len(feats))
        ]


@dataclass
class Classifier:
    """Three text classifiers (type, theme, stance) plus the metadata they were trained with."""

    pipelines: dict[str, Language]
    meta: dict[str, Any] = field(default_factory=dict)
    _linear: _LinearHeads | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @property
    def prefixes(self) -> bool:
        return bool(self.meta.get("options", {}).get("prefixes", True))

    @property
    def lemmas(self) -> bool:
        """Whether the model sees lemma tokens (``processing.rules.features``); older models do not."""
        return bool(self.meta.get("options", {}).get("lemmas", False))

    def scores(
        self, texts: Sequence[str], heads: Sequence[str] = HEADS, batch_size: int = BATCH_SIZE
    ) -> list[dict[str, dict[str, float]]]:
        """Label scores (a distribution per head) of the requested heads for each text."""
        if self._linear is None:
            self._linear = _LinearHeads(self.pipelines)
        out: list[dict[str, dict[str, float]]] = []
        for at in range(0, len(texts), batch_size):
            feats = [
                features(t, prefixes=self.prefixes, lemmas=self.lemmas) for t in texts[at : at + batch_size]
            ]
            out.extend(self._linear.scores(feats, heads))
        return out

    def spacy_scores(
        self, texts: Sequence[str], heads: Sequence[str] = HEADS, batch_size: int = 1000
    ) -> list[dict[str, dict[str, float]]]:
        """The same scores through spaCy's own ``nlp.pipe`` (reference path, slower)."""
        feats = [features(t, prefixes=self.prefixes, lemmas=self.lemmas) for t in texts]
        out: list[dict[str, dict[str, float]]] = [{} for _ in feats]
        for head in heads:
            nlp = self.pipelines[head]
            labels = nlp.get_pipe("textcat").labels  # type: ignore[attr-defined]
            docs: Iterable[Doc] = (Doc(nlp.vocab, words=f) for f in feats)
            for _name, proc in nlp.pipeline:
                docs = proc.pipe(docs, batch_size=batch_size)  # type: ignore[attr-defined]
            for i, doc in enumerate(docs):
                out[i][head] = {label: float(doc.cats[label]) for label in labels}
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
        # all three heads score every text in one pass; stance is kept where the statement is a position
        if self._linear is None:
            self._linear = _LinearHeads(self.pipelines)
        best: dict[str, tuple[list[str], list[float]]] = {head: ([], []) for head in HEADS}
        for at in range(0, len(texts), BATCH_SIZE):  # bounded memory: one gathered row per feature
            chunk = self._linear.best(
                [features(t, prefixes=self.prefixes, lemmas=self.lemmas) for t in texts[at : at + BATCH_SIZE]]
            )
            for head, (names, confs) in chunk.items():
                best[head][0].extend(names)
                best[head][1].extend(confs)
        results: list[Labels] = []
        for i in range(len(texts)):
            hint = hints[i] if hints is not None else None
            reasons: list[str] = []
            type_label, type_conf = best["type"][0][i], best["type"][1][i]
            theme_label, theme_conf = best["theme"][0][i], best["theme"][1][i]
            stance_label: str | None = None
            stance_conf: float | None = None
            if _needs_stance(type_label, hint):
                stance_label, stance_conf = best["stance"][0][i], best["stance"][1][i]
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
    classifier = Classifier(pipelines=pipelines, meta=meta)
    if classifier.lemmas:
        # loads the lemma dictionaries (about a second) now, with the model: worker processes
        # load it while Prefect's server starts, not on their first batch
        lemma("kommunane")
    return classifier


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> Classifier:
    return read_classifier(path)


def load_classifier(path: Path | None = None) -> Classifier:
    """The classifier at ``path`` (default: the shipped model), loaded once per process."""
    return _load_cached(Path(path or DEFAULT_MODEL).resolve())
