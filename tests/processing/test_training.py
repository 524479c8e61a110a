"""Training: reproducible models, CSV validation, evaluation shape, grouped folds."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.classify import read_classifier
from processing.training.data import DataError, LabelledExample, parse_labelled_csv, read_seed
from processing.training.evaluate import evaluate, group_folds, predict_heads, score
from processing.training.train import fit, train

PROBES = [
    "Kommunen trenger mer opplæring.",
    "Vi er imot betalingsplikten.",
    "Kommunestyret vedtok saken i mai.",
    "Vi støtter forslaget dersom staten betaler.",
]


def test_seed_corpus_shape() -> None:
    """The seed corpus has 700+ rows across all types, stances, themes and both written standards."""
    rows = read_seed()
    assert len(rows) >= 700
    assert {r.type for r in rows} == {"need", "position", "other"}
    assert {r.stance for r in rows if r.type == "position"} == {"support", "oppose", "conditional", "neutral"}
    assert len({r.theme for r in rows}) == 10
    assert {r.lang for r in rows} == {"nb", "nn"}
    assert {r.origin for r in rows} == {
        "samordne-seed, written for the project",
        "samordne-seed, reported-speech genre, written for the project",
        "samordne-seed, programme/press genre (2026.11.4), written for the project",
        "samordne-seed, consultation-answer genre (2026.11.4), written for the project",
        "samordne-seed, organisation-statement genre (2026.11.4), written for the project",
    }


def test_seed_rows_are_unique() -> None:
    """No seed text occurs twice: a duplicate would weigh double and could sit on both sides of a split."""
    texts = [r.text for r in read_seed()]
    assert len(texts) == len(set(texts))


def test_seed_does_not_paraphrase_shared_dev() -> None:
    """No seed row shares most of its words with a shared dev sentence (those are third-party quotations)."""
    import re

    from processing.training.data import default_shared_dev, read_labelled_csv

    dev_path = default_shared_dev()
    if dev_path is None:
        pytest.skip("the shared dev set is not beside the repository")

    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"\w+", text.lower()))

    dev = [words(r.text) for r in read_labelled_csv(dev_path)]
    overlaps = {
        row.text: max(len(w & d) / len(w | d) for d in dev) for row in read_seed() if (w := words(row.text))
    }
    assert max(overlaps.values()) < 0.45, max(overlaps.items(), key=lambda kv: kv[1])


@pytest.mark.slow
def test_train_twice_gives_identical_predictions(tmp_path: Path) -> None:
    """Training from the repository alone with a fixed seed twice gives identical scores and labels."""
    extra = [LabelledExample("Kommunen vil ha bedre sengeposter.", "need", "annet")]
    reports = [train(tmp_path / f"m{i}", seed=7, include_shared=None, extra=extra) for i in range(2)]
    assert reports[0].sources == {"seed": len(read_seed()), "shared_dev": 0, "extra": 1}
    models = [read_classifier(r.output_dir) for r in reports]
    assert models[0].scores(PROBES) == models[1].scores(PROBES)
    assert models[0].classify(PROBES) == models[1].classify(PROBES)
    assert (tmp_path / "m0" / "meta.json").is_file()
    size = sum(f.stat().st_size for f in (tmp_path / "m0").rglob("*") if f.is_file())
    assert size < 10 * 2**20


def test_fit_in_memory_is_deterministic() -> None:
    """Two in-memory fits on the same rows and seed agree exactly, whatever the row order."""
    rows = read_seed()[::4]
    a = fit(rows, seed=3, epochs=3)
    b = fit(list(reversed(rows)), seed=3, epochs=3)
    assert a.scores(PROBES) == b.scores(PROBES)


def test_models_score_the_features_they_were_trained_with() -> None:
    """New models see lemma tokens; a model whose options predate them (2026.11.4) is read without."""
    from spacy.tokens import Doc

    from processing.rules import FEATURES_VERSION, features

    rows = read_seed()[::4]
    new = fit(rows, seed=3, epochs=3)
    old = fit(rows, seed=3, epochs=3, lemmas=False)
    del old.meta["options"]["lemmas"]  # as in meta.json of models trained before the option
    assert new.meta["features"] == FEATURES_VERSION and new.lemmas and not old.lemmas
    for clf, lemmas in ((new, True), (old, False)):
        nlp = clf.pipelines["type"]
        for text, got in zip(PROBES, clf.scores(PROBES), strict=True):
            doc = Doc(nlp.vocab, words=features(text, lemmas=lemmas))
            for _name, proc in nlp.pipeline:
                doc = proc(doc)
            assert got["type"] == pytest.approx(doc.cats, abs=1e-6)


def test_fit_rejects_unknown_option() -> None:
    """A misspelt training option is an error, not silently ignored."""
    with pytest.raises(TypeError, match="unknown training option"):
        fit(read_seed()[:10], epoch=3)


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("text,type\nA,need\n", "fil 'x.csv': kolonnen/kolonnene theme mangler – legg dem til i første rad"),
        ("text,type,stance,theme\n,need,,annet\n", "fil 'x.csv', rad 2: kolonnen 'text' er tom"),
        ("text,type,stance,theme\nA,behov,,økonomi\n", "fil 'x.csv', rad 2: tema 'økonomi' er ukjent"),
        ("text,type,stance,theme\nA,krav,,annet\n", "fil 'x.csv', rad 2: type 'krav' er ukjent"),
        ("text,type,stance,theme\nA,position,,annet\n", "fil 'x.csv', rad 2: en posisjon må ha holdning"),
        (
            "text,type,stance,theme\nA,position,kanskje,annet\n",
            "fil 'x.csv', rad 2: holdning 'kanskje' er ukjent",
        ),
    ],
)
def test_csv_errors(csv_text: str, message: str) -> None:
    """Bad labelled rows raise DataError naming file, row and fix (bokmål)."""
    with pytest.raises(DataError) as info:
        parse_labelled_csv(csv_text, "x.csv")
    assert str(info.value).startswith(message)


def test_csv_normalises_labels() -> None:
    """Labels in bokmål or any case are normalised; stance is dropped for non-positions."""
    rows = parse_labelled_csv(
        "text,type,stance,theme\nA,Behov,support,Innføring\nB,POSISJON,Støtter,styring\n", "x"
    )
    assert [(r.type, r.stance, r.theme) for r in rows] == [
        ("need", None, "innforing"),
        ("position", "support", "styring"),
    ]


def test_score_exact() -> None:
    """Scores of a tiny known case: precision, recall, F1, macro and confusion."""
    result = score(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert result["accuracy"] == 0.75
    assert result["per_label"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert result["per_label"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert result["macro_f1"] == round((0.6667 + 0.8) / 2, 4)
    assert result["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"b": 2}}


def test_evaluate_scores_stance_on_gold_positions_only() -> None:
    """Stance support counts only rows whose gold type is position."""
    from processing.classify import load_classifier

    rows = [
        LabelledExample("Vi støtter forslaget.", "position", "annet", "support"),
        LabelledExample("Kommunen trenger midler.", "need", "finansiering"),
    ]
    result = evaluate(load_classifier(), rows)
    assert sum(v["support"] for v in result["stance"]["per_label"].values() if v["support"]) == 1
    assert set(result) == {"type", "theme", "stance"}
    as_dicts = [{"text": r.text, "type": r.type, "theme": r.theme, "stance": r.stance or ""} for r in rows]
    assert evaluate(load_classifier(), as_dicts) == result


def test_group_folds_keep_pages_together() -> None:
    """Every group lands in exactly one fold and all rows are used once."""
    rows = [LabelledExample(f"t{i}", "other", "annet", group=f"page{i % 7}") for i in range(30)]
    folds = group_folds(rows, k=5)
    assert sorted(i for f in folds for i in f) == list(range(30))
    for fold in folds:
        groups = {rows[i].group for i in fold}
        others = {rows[i].group for f in folds if f is not fold for i in f}
        assert not groups & others


def test_metrics_summary_for_meta() -> None:
    """meta.json records macro-F1 per head of each evaluation present, and the rounded throughput."""
    from processing.training.card import metrics_summary

    block = {head: {"macro_f1": f1} for head, f1 in (("type", 0.5), ("theme", 0.25), ("stance", 0.125))}
    metrics = {"cv_dev": block, "seed_holdout": block, "throughput": {"n": 10, "ratio": 3.14159}}
    assert metrics_summary(metrics) == {
        "cv_dev": {"type": 0.5, "theme": 0.25, "stance": 0.125},
        "seed_holdout": {"type": 0.5, "theme": 0.25, "stance": 0.125},
        "throughput": {"n": 10, "ratio": 3.1},
    }


def test_bucket_design_is_what_the_bow_layer_computes() -> None:
    """The hashed-bucket design used by the logistic heads gives thinc's SparseLinear scores exactly."""
    import numpy as np
    from spacy.strings import get_string_id
    from thinc.api import SparseLinear_v2

    from processing.training.train import _bucket_design

    rows = [(["kommunen", "kostn~", "__need__", "kommunen"], "a"), (["det", "nsubj", "?"], "b")]
    layer = SparseLinear_v2(nO=3, length=2**10)
    layer.initialize()
    weights = np.random.default_rng(0).normal(size=3 * 2**10).astype(np.float32)
    layer.set_param("W", weights)
    r_idx, c_idx, vals = _bucket_design(rows, 2**10)
    expected = np.zeros((2, 3))
    np.add.at(expected, r_idx, weights.reshape(3, -1)[:, c_idx].T * vals[:, None])
    keys = np.asarray([get_string_id(f) for feats, _ in rows for f in feats], dtype=np.uint64)
    lengths = np.asarray([len(feats) for feats, _ in rows], dtype=np.int32)
    got = layer.predict((keys, np.ones(len(keys), dtype=np.float32), lengths))
    assert np.asarray(got) == pytest.approx(expected, abs=1e-5)


def test_logistic_theme_head_fits_and_matches_spacy() -> None:
    """A logistic theme head labels its own clear training rows right; fast path equals spaCy's."""
    rows = [
        LabelledExample("Staten må dekke kostnadene.", "need", "finansiering"),
        LabelledExample("Kostnadene blir for høye for kommunen.", "position", "finansiering", "oppose"),
        LabelledExample("Fastlegene må få dele meldinger med sykehuset.", "need", "samhandling"),
        LabelledExample("Sykehuset sender meldinger til fastlegen.", "other", "samhandling"),
        LabelledExample("Leverandøren vant konkurransen om kontrakten.", "other", "marked"),
        LabelledExample(
            "Vi støtter en åpen anskaffelse med flere leverandører.", "position", "marked", "support"
        ),
    ]
    clf = fit(rows, seed=1, epochs=2, logistic_heads=["theme"], lr_c=10.0)
    texts = [r.text for r in rows]
    assert [p["theme"] for p in predict_heads(clf, texts)] == [r.theme for r in rows]
    for got, want in zip(clf.scores(texts), clf.spacy_scores(texts), strict=True):
        assert got["theme"] == pytest.approx(want["theme"], abs=1e-6)
