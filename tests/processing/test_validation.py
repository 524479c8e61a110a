"""Validation suites: broken data is caught by the exact expectation, and quarantines or blocks as it should."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest

from processing.validation import (
    SUITE_VERSION,
    GxRuntime,
    ValidationOutcome,
    ValidationSetupError,
    run_validation,
    validate_chunks,
    validate_frame,
)
from processing.validation.checks import quote_in_source

THEMES = ("finansiering", "journal", "styring")
HASH = "ab" * 32
TODAY = date(2026, 11, 26)

TEXT_OSLO = "Vi trenger felles journal. Oslo støtter Akson."
TEXT_ORG = "Legeforeningen ber om bedre fremdrift."
TEXT_BERGEN = "Bergen er imot finansieringsmodellen. Kontakt Kari Nordmann på 99887766."


@pytest.fixture(scope="module")
def runtime() -> GxRuntime:
    """One ephemeral GX context for the module: the ~4 s import is paid once."""
    return GxRuntime()


def submissions_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "submission_id": [1, 2, 3],
        "source_id": [10, 11, 12],
        "source_sha256": [HASH, "cd" * 32, "ef" * 32],
        "source_path": ["oslo.csv", "innspill.eml", "Bergen_innspill.xlsx"],
        "channel": ["survey", "email", "spreadsheet"],
        "respondent": ["Oslo kommune", "Legeforeningen", "Bergen"],
        "match_status": ["matched", "non_municipal", "ambiguous"],
        "respondent_kind": ["municipality", "organisation", "municipality"],
        "kommunenummer": ["0301", None, None],
        "submitted_on": pd.to_datetime(["2024-05-01", None, "2025-01-10"]),
        "locator": ["oslo.csv | row=2", "innspill.eml | message_id=<a@b>", "Bergen_innspill.xlsx | row=14"],
        "text": [TEXT_OSLO, TEXT_ORG, TEXT_BERGEN],
    })  # fmt: skip


def _statement(
    sid: int, sub: int, order: int, source: str, text: str, type_: str, theme: str, stance: str | None
) -> dict[str, Any]:
    start = source.index(text)
    return {
        "statement_id": sid, "submission_id": sub, "order": order, "start": start, "end": start + len(text),
        "text": text, "submission_text": source, "type": type_, "theme": theme, "stance": stance,
        "type_confidence": 0.9, "theme_confidence": 0.8, "stance_confidence": 0.7 if stance else None,
        "model_version": "nb-1", "needs_review": False,
    }  # fmt: skip


def statements_frame() -> pd.DataFrame:
    return pd.DataFrame([
        _statement(11, 1, 0, TEXT_OSLO, "Vi trenger felles journal.", "need", "journal", None),
        _statement(12, 1, 1, TEXT_OSLO, "Oslo støtter Akson.", "position", "styring", "support"),
        _statement(13, 2, 0, TEXT_ORG, TEXT_ORG, "need", "finansiering", None),
        _statement(14, 3, 0, TEXT_BERGEN, "Bergen er imot finansieringsmodellen.", "position", "finansiering",
                   "oppose"),
    ])  # fmt: skip


def consolidated_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "theme": ["journal", "styring", "finansiering"],
        "kommunenummer": ["0301", "0301", "4601"],
        "population": [717710, 717710, 291940],
        "stance": ["none", "support", "oppose"],
    })  # fmt: skip


def context() -> dict[str, Any]:
    return {
        "themes": THEMES,
        "today": TODAY,
        "theme_figures": [
            {"theme": "journal", "municipalities": 1, "population": 717710, "share_national": 0.129,
             "share_outside_midt": 0.152, "stance_counts": {}},
            {"theme": "styring", "municipalities": 1, "population": 717710, "share_national": 0.129,
             "share_outside_midt": 0.152, "stance_counts": {"support": 1}},
            {"theme": "finansiering", "municipalities": 1, "population": 291940, "share_national": 0.052,
             "share_outside_midt": 0.062, "stance_counts": {"oppose": 1, "support": 0, "none": 0}},
        ],
        "citations": [
            {"statement_id": 12, "quote": "Oslo støtter Akson.", "source_text": TEXT_OSLO},
            {"statement_id": 14, "quote": "Kontakt [navn fjernet] på [telefon fjernet].",
             "source_text": TEXT_BERGEN},
        ],
    }  # fmt: skip


def _set(frame: pd.DataFrame, row_id: int, column: str, value: Any, id_column: str) -> pd.DataFrame:
    frame = frame.copy()
    if column == "submitted_on":
        frame[column] = frame[column].astype("datetime64[us]")
        value = pd.Timestamp(value)
    else:
        frame[column] = frame[column].astype(object)
    frame.loc[frame[id_column] == row_id, column] = value
    return frame


def test_clean_frames_pass_every_suite(runtime: GxRuntime) -> None:
    """Clean submissions, statements and consolidated figures pass all three suites with nothing quarantined."""
    outcome = run_validation(
        submissions_frame(), statements_frame(), consolidated_frame(), context(), runtime
    )
    assert [(s.stage, s.success, s.blocking) for s in outcome.stages] == [
        ("submissions", True, False),
        ("statements", True, False),
        ("consolidated", True, False),
    ]
    assert [s.evaluated for s in outcome.stages] == [16, 13, 14]
    assert outcome.success and not outcome.blocking_failures
    assert outcome.quarantine == {"submissions": {}, "statements": {}}


SUBMISSION_CASES = [
    ("unresolved municipality without flag", 3, "match_status", None,
     {"match_status_present"}, "expect_column_values_to_not_be_null"),
    ("matched municipality without kommunenummer", 1, "kommunenummer", None,
     {"kommunenummer_consistent"}, "expect_column_values_to_be_in_set"),
    ("kommunenummer of three digits", 1, "kommunenummer", "301",
     {"kommunenummer_consistent"}, "expect_column_values_to_be_in_set"),
    ("kommunenummer on an organisation", 2, "kommunenummer", "0301",
     {"kommunenummer_consistent"}, "expect_column_values_to_be_in_set"),
    ("unknown match status", 3, "match_status", "guessed",
     {"match_status_known"}, "expect_column_values_to_be_in_set"),
    ("empty text", 2, "text", "", {"text_not_blank"}, "expect_column_values_to_match_regex"),
    ("blank text", 2, "text", "  \n", {"text_not_blank"}, "expect_column_values_to_match_regex"),
    ("missing text", 2, "text", None, {"text_present"}, "expect_column_values_to_not_be_null"),
    ("implausible date 1999", 3, "submitted_on", "1999-03-01",
     {"date_plausible"}, "expect_column_values_to_be_between"),
    ("date two days ahead", 3, "submitted_on", "2026-11-28",
     {"date_plausible"}, "expect_column_values_to_be_between"),
    ("unknown channel", 1, "channel", "fax", {"channel_known"}, "expect_column_values_to_be_in_set"),
    ("hash not hex", 2, "source_sha256", "xyz", {"source_hash_format"}, "expect_column_values_to_match_regex"),
    ("blank locator", 1, "locator", " ", {"locator_not_blank"}, "expect_column_values_to_match_regex"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "row_id", "column", "value", "checks", "expectation"), SUBMISSION_CASES,
                         ids=[c[0] for c in SUBMISSION_CASES])  # fmt: skip
def test_broken_submission_quarantines_that_row(
    runtime: GxRuntime, case: str, row_id: int, column: str, value: Any, checks: set[str], expectation: str
) -> None:
    """Each defect is caught by exactly the named expectation and quarantines only that submission."""
    frame = _set(submissions_frame(), row_id, column, value, "submission_id")
    result = validate_frame("submissions", frame, context(), runtime)
    assert {r.check for r in result.failed} == checks
    (failed,) = result.failed
    assert (failed.expectation, failed.rows, failed.unexpected_count) == (expectation, (row_id,), 1)
    assert not result.blocking
    assert list(result.quarantine) == [row_id]
    assert result.quarantine[row_id].startswith(f"{expectation} på '")


def test_date_boundaries_pass(runtime: GxRuntime) -> None:
    """2015-01-01 and today + 1 day are plausible; a missing date is allowed."""
    frame = _set(submissions_frame(), 1, "submitted_on", "2015-01-01", "submission_id")
    frame = _set(frame, 3, "submitted_on", "2026-11-27", "submission_id")
    result = validate_frame("submissions", frame, context(), runtime)
    assert result.success


def test_duplicate_source_location_quarantines_both_rows(runtime: GxRuntime) -> None:
    """The same (source_sha256, locator) twice fails the compound-unique expectation for both rows."""
    frame = _set(submissions_frame(), 2, "source_sha256", HASH, "submission_id")
    frame = _set(frame, 2, "locator", "oslo.csv | row=2", "submission_id")
    result = validate_frame("submissions", frame, context(), runtime)
    assert [(r.expectation, r.column, r.rows) for r in result.failed] == [
        ("expect_compound_columns_to_be_unique", "source_sha256, locator", (1, 2))
    ]
    assert result.quarantine == {
        1: "expect_compound_columns_to_be_unique på 'source_sha256, locator': samme sted i samme kildefil er "
           "lest inn mer enn én gang – fjern duplikatet",
        2: "expect_compound_columns_to_be_unique på 'source_sha256, locator': samme sted i samme kildefil er "
           "lest inn mer enn én gang – fjern duplikatet",
    }  # fmt: skip


def _with_statement(sid: int, **changes: Any) -> pd.DataFrame:
    frame = statements_frame()
    for column, value in changes.items():
        frame = _set(frame, sid, column, value, "statement_id")
    return frame


STATEMENT_CASES = [
    ("theme outside taxonomy", 12, {"theme": "helsedata"}, {"theme_in_taxonomy"},
     "expect_column_values_to_be_in_set", "theme"),
    ("confidence 1.3", 13, {"type_confidence": 1.3}, {"type_confidence_range"},
     "expect_column_values_to_be_between", "type_confidence"),
    ("negative stance confidence", 14, {"stance_confidence": -0.1}, {"stance_confidence_range"},
     "expect_column_values_to_be_between", "stance_confidence"),
    ("end beyond the text", 11, {"end": len(TEXT_OSLO) + 5}, {"offsets_inside_text", "text_verbatim_at_offsets"},
     "expect_column_values_to_be_in_set", "check_offsets_inside_text"),
    ("empty span", 11, {"end": 0, "start": 0}, {"offsets_inside_text", "text_verbatim_at_offsets"},
     "expect_column_values_to_be_in_set", "check_offsets_inside_text"),
    ("quote not in its source", 12, {"text": "Oslo støtter ikke Akson."}, {"text_verbatim_at_offsets"},
     "expect_column_values_to_be_in_set", "check_text_verbatim_at_offsets"),
    ("stance on a need", 11, {"stance": "support"}, {"stance_only_on_position"},
     "expect_column_values_to_be_in_set", "check_stance_only_on_position"),
    ("unknown stance", 14, {"stance": "maybe"}, {"stance_known"}, "expect_column_values_to_be_in_set", "stance"),
    ("unknown type", 13, {"type": "wish"}, {"type_known"}, "expect_column_values_to_be_in_set", "type"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "sid", "changes", "checks", "expectation", "column"), STATEMENT_CASES,
                         ids=[c[0] for c in STATEMENT_CASES])  # fmt: skip
def test_broken_statement_quarantines_that_statement(
    runtime: GxRuntime,
    case: str,
    sid: int,
    changes: dict[str, Any],
    checks: set[str],
    expectation: str,
    column: str,
) -> None:
    """Each defect is caught by exactly the named expectations and quarantines only that statement id."""
    result = validate_frame("statements", _with_statement(sid, **changes), context(), runtime)
    assert {r.check for r in result.failed} == checks
    first = result.failed[0]
    assert (first.expectation, first.column, first.rows) == (expectation, column, (sid,))
    assert not result.blocking
    assert list(result.quarantine) == [sid]


def test_theme_outside_taxonomy_reason_is_exact(runtime: GxRuntime) -> None:
    """The quarantine reason names the expectation, the column and how to fix it, in bokmål."""
    result = validate_frame("statements", _with_statement(12, theme="helsedata"), context(), runtime)
    assert result.quarantine == {
        12: "expect_column_values_to_be_in_set på 'theme': temaet finnes ikke i taksonomien – velg et tema fra "
            "taksonomien eller legg temaet til der"
    }  # fmt: skip


def _consolidated_case(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    frame, ctx = consolidated_frame(), context()
    if name == "municipality counted twice":
        frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    elif name == "share over 100 %":
        ctx["theme_figures"][1]["share_outside_midt"] = 1.004
    elif name == "share over 100 % in percent":
        ctx["share_unit"] = "percent"
        for fig in ctx["theme_figures"]:
            fig["share_national"] *= 100
            fig["share_outside_midt"] *= 100
        ctx["theme_figures"][0]["share_national"] = 130.0
    elif name == "null stance counts as none":
        frame.loc[0, "stance"] = None
    elif name == "quote not in its source":
        ctx["citations"][0]["quote"] = "Oslo støtter Akson fullt ut."
    elif name == "redacted quote not in its source":
        ctx["citations"][1]["quote"] = "Ring [navn fjernet] på [telefon fjernet]."
    elif name == "cited statement missing":
        ctx["citations"][0]["statement_id"] = 99
    elif name == "population sum differs":
        ctx["theme_figures"][2]["population"] = 291941
    elif name == "stance counts differ":
        ctx["theme_figures"][1]["stance_counts"] = {"support": 1, "oppose": 1}
    elif name == "theme counted without figures":
        ctx["theme_figures"] = ctx["theme_figures"][:2]
    return frame, ctx


CONSOLIDATED_CASES: list[tuple[str, dict[str, tuple[str, tuple[Any, ...]]]]] = [
    ("municipality counted twice", {
        "municipality_once_per_theme": ("expect_compound_columns_to_be_unique", ("journal:0301", "journal:0301")),
        "municipalities_equal_counted": ("expect_column_pair_values_to_be_equal", ("journal",)),
        "population_equal_counted": ("expect_column_pair_values_to_be_equal", ("journal",)),
    }),
    ("share over 100 %", {"share_outside_midt_range": ("expect_column_values_to_be_between", ("styring",))}),
    ("share over 100 % in percent",
     {"share_national_range": ("expect_column_values_to_be_between", ("journal",))}),
    ("null stance counts as none", {}),
    ("quote not in its source", {"quote_verbatim_in_source": ("expect_column_values_to_be_in_set", (12,))}),
    ("redacted quote not in its source",
     {"quote_verbatim_in_source": ("expect_column_values_to_be_in_set", (14,))}),
    ("cited statement missing", {"cited_statement_exists": ("expect_column_values_to_be_in_set", (99,))}),
    ("population sum differs",
     {"population_equal_counted": ("expect_column_pair_values_to_be_equal", ("finansiering",))}),
    ("stance counts differ",
     {"stance_counts_equal_counted": ("expect_column_values_to_be_in_set", ("styring",))}),
    ("theme counted without figures", {
        "municipalities_equal_counted": ("expect_column_pair_values_to_be_equal", ("finansiering",)),
        "population_equal_counted": ("expect_column_pair_values_to_be_equal", ("finansiering",)),
        "stance_counts_equal_counted": ("expect_column_values_to_be_in_set", ("finansiering",)),
    }),
]  # fmt: skip


@pytest.mark.parametrize(("case", "expected"), CONSOLIDATED_CASES, ids=[c[0] for c in CONSOLIDATED_CASES])
def test_broken_consolidation_blocks_the_run(
    runtime: GxRuntime, case: str, expected: dict[str, tuple[str, tuple[Any, ...]]]
) -> None:
    """A wrong figure or quote in the consolidated result blocks the stage; nothing is ever quarantined."""
    frame, ctx = _consolidated_case(case)
    ctx["statement_ids"] = set(statements_frame()["statement_id"])
    stage = validate_frame("consolidated", frame, ctx, runtime)
    assert {r.check: (r.expectation, r.rows) for r in stage.failed} == expected
    assert (stage.blocking, stage.success, stage.quarantine) == (bool(expected), not expected, {})
    assert len(stage.blocking_failures) == len(expected)


def test_blocking_consolidation_fails_the_whole_outcome(runtime: GxRuntime) -> None:
    """run_validation fills statement_ids from the statements frame; a blocking stage fails the outcome."""
    frame, ctx = _consolidated_case("cited statement missing")
    outcome = run_validation(submissions_frame(), statements_frame(), frame, ctx, runtime)
    assert (outcome.success, outcome.blocking, len(outcome.blocking_failures)) == (False, True, 1)
    assert outcome.quarantine == {"submissions": {}, "statements": {}}


def test_blocking_summary_line_is_exact(runtime: GxRuntime) -> None:
    """The blocking summary names the stage, the expectation, the rows and the fix, in bokmål."""
    frame, ctx = _consolidated_case("share over 100 %")
    result = validate_frame("consolidated", frame, {**ctx, "statement_ids": {11, 12, 13, 14}}, runtime)
    assert result.blocking_failures == [
        "kontroll 'consolidated': expect_column_values_to_be_between på 'share_outside_midt' feilet for 1 rad(er)"
        " (styring): befolkningsandelen er utenfor 0–100 % – rett konsolideringen"
    ]


def test_missing_column_blocks_without_running_checks(runtime: GxRuntime) -> None:
    """A frame without a required column is a structural failure: blocking, with the columns named."""
    result = validate_frame(
        "statements", statements_frame().drop(columns=["theme", "stance"]), context(), runtime
    )
    assert (result.success, result.blocking, result.evaluated, result.missing_columns) == (
        False,
        True,
        0,
        ("theme", "stance"),
    )
    assert result.blocking_failures == [
        "kontroll 'statements': tabellen mangler kolonnene theme, stance – kontrollene ble ikke kjørt; rett "
        "dataene som leveres til valideringen og kjør på nytt"
    ]  # fmt: skip


def test_failing_row_without_id_blocks(runtime: GxRuntime) -> None:
    """A failing row without an id cannot be quarantined, so the stage blocks instead of dropping it."""
    frame = statements_frame().astype({"statement_id": object})
    frame.loc[0, "statement_id"] = None
    frame.loc[0, "theme"] = "helsedata"
    result = validate_frame("statements", frame, context(), runtime)
    assert {r.check: r.rows for r in result.failed} == {"statement_id_present": (None,),
                                                         "theme_in_taxonomy": (None,)}  # fmt: skip
    assert result.blocking and result.quarantine == {}


@pytest.mark.parametrize(
    ("stage", "ctx", "message"),
    [
        ("statements", {}, "context_data['themes'] must list the taxonomy keys for the statements suite"),
        ("kommuner", {"themes": THEMES}, "unknown validation stage 'kommuner'; expected one of "
                                         "('submissions', 'statements', 'consolidated')"),
        ("consolidated", {"citations": []}, "context_data['statement_ids'] is needed to check citations"),
        ("consolidated", {"share_unit": "promille"},
         "context_data['share_unit'] must be 'fraction' or 'percent', not 'promille'"),
    ],
)  # fmt: skip
def test_setup_errors_are_typed(runtime: GxRuntime, stage: str, ctx: dict[str, Any], message: str) -> None:
    """A caller that forgets what a suite needs gets a ValidationSetupError saying what is missing."""
    frame = {"statements": statements_frame(), "consolidated": consolidated_frame()}.get(
        stage, pd.DataFrame()
    )
    with pytest.raises(ValidationSetupError) as info:
        validate_frame(stage, frame, ctx, runtime)
    assert str(info.value) == message


def test_to_json_round_trips_and_lists_quarantined_rows(runtime: GxRuntime) -> None:
    """to_json() is JSON-able and lists each quarantined row with its table and reason."""
    statements = _with_statement(13, type_confidence=1.3)
    outcome: ValidationOutcome = run_validation(submissions_frame(), statements, None, context(), runtime)
    data = json.loads(json.dumps(outcome.to_json()))
    assert (data["suite_version"], data["success"], data["blocking"]) == (SUITE_VERSION, False, False)
    assert [s["name"] for s in data["suites"]] == ["submissions", "statements"]
    reason = ("expect_column_values_to_be_between på 'type_confidence': sikkerheten må ligge mellom 0 og 1 – "
              "klassifiser utsagnet på nytt")  # fmt: skip
    assert data["quarantined_rows"] == [{"table": "statements", "id": 13, "reason": reason}]
    assert data["quarantine"] == {"submissions": {}, "statements": {"13": reason}}


QUOTE_CASES: list[tuple[str, str, str, bool]] = [
    ("plain quote found", "felles journal", TEXT_OSLO, True),
    ("plain quote absent", "felles kjernejournal", TEXT_OSLO, False),
    ("name redacted mid-quote", "Kontakt [navn fjernet] på 99887766.", TEXT_BERGEN, True),
    ("two markers", "Kontakt [navn fjernet] på [telefon fjernet].", TEXT_BERGEN, True),
    ("marker at the start", "[navn fjernet] på 99887766.", TEXT_BERGEN, True),
    ("marker must hide at least one character", "Hei [navn fjernet] der", "Hei  der", False),
    ("pieces out of order", "på [telefon fjernet] Kontakt", TEXT_BERGEN, False),
    ("only markers", "[navn fjernet] [e-post fjernet]", TEXT_BERGEN, False),
    ("empty quote", "", TEXT_BERGEN, False),
]


@pytest.mark.parametrize(
    ("case", "quote", "source", "expected"), QUOTE_CASES, ids=[c[0] for c in QUOTE_CASES]
)
def test_quote_in_source(case: str, quote: str, source: str, expected: bool) -> None:
    """Redaction markers stand for at least one hidden character; the other pieces must occur in order."""
    assert quote_in_source(quote, source) is expected


def test_import_does_not_load_great_expectations() -> None:
    """Importing the package keeps GX off the CLI start-up path."""
    code = "import sys, processing.validation; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_frame_is_not_mutated(runtime: GxRuntime) -> None:
    """Validation adds its check columns to a copy, never to the caller's frame."""
    frame = submissions_frame()
    before: Callable[[], list[str]] = lambda: list(frame.columns)  # noqa: E731
    columns = before()
    validate_frame("submissions", frame, context(), runtime)
    assert list(frame.columns) == columns


@pytest.mark.parametrize(
    ("submitted_on", "failing"),
    [((date(2024, 5, 1), None, date(2025, 1, 10)), set()), ((date(2024, 5, 1), None, date(1999, 1, 1)), {3}),
     (("2024-05-01", None, "ikke en dato"), {3})],
    ids=["date objects", "date object in 1999", "unreadable date"],
)  # fmt: skip
def test_dates_as_stored_objects(
    runtime: GxRuntime, submitted_on: tuple[Any, ...], failing: set[int]
) -> None:
    """Storage gives ``datetime.date`` objects (object dtype); they are checked like datetime64 values."""
    frame = submissions_frame()
    frame["submitted_on"] = pd.Series(submitted_on, dtype=object)
    result = validate_frame("submissions", frame, context(), runtime)
    assert set(result.quarantine) == failing


def test_empty_frames_pass(runtime: GxRuntime) -> None:
    """A run with nothing stored yet (empty object-dtype frames, as storage returns them) passes."""
    subs = pd.DataFrame.from_records([], columns=list(submissions_frame().columns))
    stmts = pd.DataFrame.from_records([], columns=list(statements_frame().columns))
    outcome = run_validation(subs, stmts, None, context(), runtime)
    assert (outcome.success, outcome.blocking_failures) == (True, [])


def test_validated_frames_are_not_kept_alive_by_gx(runtime: GxRuntime) -> None:
    """GX caches a batch's data in its process-wide context; the runtime lets go of it after validating.

    At a million statements that cached frame (about 1 GB) stayed resident through consolidation.
    """
    import gc

    def live_frames() -> set[int]:
        gc.collect()
        return {id(o) for o in gc.get_objects() if isinstance(o, pd.DataFrame)}

    frame = statements_frame()
    before = live_frames()
    result = validate_frame("statements", frame, context(), runtime)
    assert result.results and all(r.success for r in result.results)
    assert live_frames() - before == set()  # the checked copy GX validated is gone too


def _defective_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frames with row defects and duplicates that span any cut into chunks."""
    subs = _set(submissions_frame(), 2, "match_status", "kanskje", "submission_id")
    subs = _set(subs, 3, "locator", subs.loc[0, "locator"], "submission_id")
    subs = _set(subs, 3, "source_sha256", HASH, "submission_id")  # same place in the same file as row 1
    stmts = statements_frame()
    stmts = _set(stmts, 12, "theme", "ukjent", "statement_id")
    stmts = _set(stmts, 13, "end", 999, "statement_id")
    stmts = _set(stmts, 14, "statement_id", 11, "statement_id")  # duplicate of the first row's id
    return subs, stmts


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5])
def test_chunked_validation_equals_whole_frame(runtime: GxRuntime, chunk_rows: int) -> None:
    """Validated in chunks, a stage fails the same rows for the same reasons as validated whole."""
    subs, stmts = _defective_frames()
    for stage, frame in (("submissions", subs), ("statements", stmts)):
        chunks = [frame.iloc[i : i + chunk_rows] for i in range(0, len(frame), chunk_rows)]
        chunked = validate_chunks(stage, chunks, context(), runtime)
        assert chunked.to_json() == validate_frame(stage, frame, context(), runtime).to_json()
    failed = {
        stage: {r.check: r.rows for r in validate_chunks(stage, [frame], context(), runtime).failed}
        for stage, frame in (("submissions", subs), ("statements", stmts))
    }
    assert failed == {
        "submissions": {"match_status_known": (2,), "source_location_unique": (1, 3)},
        "statements": {
            "statement_id_unique": (11, 11),
            "theme_in_taxonomy": (12,),
            "offsets_inside_text": (13,),
            "text_verbatim_at_offsets": (13,),
        },
    }


def test_chunked_validation_reports_missing_columns_and_refuses_other_stages(runtime: GxRuntime) -> None:
    """A chunk without a required column stops the stage as missing; consolidated is not chunked."""
    result = validate_chunks("statements", [statements_frame().drop(columns=["theme"])], context(), runtime)
    assert (result.missing_columns, result.blocking) == (("theme",), True)
    with pytest.raises(ValueError, match="row-level"):
        validate_chunks("consolidated", [consolidated_frame()], context(), runtime)
    with pytest.raises(ValueError, match="at least one"):
        validate_chunks("statements", [], context(), runtime)
