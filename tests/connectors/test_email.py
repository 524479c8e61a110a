"""EmailConnector on the golden fixtures in tests/fixtures/email/ and on hand-made edge cases."""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from pathlib import Path

import pytest

from connectors.base import Limits, QuarantineError
from connectors.email import EmailConnector, decode_text, parse_date, split_mbox
from models.records import Channel, Locator, ReadResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def _load_maker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_email_fixtures", FIXTURES.parent / "make_email_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str, limits: Limits | None = None) -> ReadResult:
    with (FIXTURES / name).open("rb") as fp:
        return EmailConnector().read(name, fp, limits or Limits())


def read_bytes(data: bytes, name: str = "test.eml", limits: Limits | None = None) -> ReadResult:
    return EmailConnector().read(name, io.BytesIO(data), limits or Limits())


def test_fixtures_match_their_generator() -> None:
    """The checked-in fixtures are exactly what make_email_fixtures.py writes."""
    for name, data in _load_maker().build().items():
        assert (FIXTURES / name).read_bytes() == data, name


@pytest.mark.parametrize(
    ("name", "respondent", "email", "contact", "submitted", "message_id", "text"),
    [
        (
            "kommune_bokmal.eml",
            "Bergen kommune",
            "kari.nordmann@bergen.kommune.no",
            "Kari Nordmann",
            date(2024, 9, 2),
            "innspill-001@bergen.kommune.no",
            "Hei,\n\nBergen kommune støtter arbeidet med en felles kommunal journal.\n"
            "Vi trenger bedre samhandling med fastlegene før innføringen.",
        ),
        (
            "nynorsk_html.eml",
            "Vinje kommune",
            "olav.haugen@vinje.kommune.no",
            "Olav Haugen",
            date(2024, 9, 3),
            "nn-002@vinje.kommune.no",
            "Vinje kommune meiner at Akson må vere enkelt å bruke.\n\n- Vi treng opplæring på kvelden.\n"
            "- Vi treng god nettdekning.",
        ),
        (
            "svar_med_historikk.eml",
            "",
            "per.hansen@example.com",
            "Per Hansen",
            date(2024, 9, 4),
            "svar-003@example.com",
            "Vi er positive, men trenger mer opplæring av helsesekretærene.",
        ),
        (
            "videresendt_brev.eml",
            "Bodø kommune",
            "siri.lund@ks.no",
            "Siri Lund",
            date(2024, 9, 5),
            "vs-004@ks.no",
            "Bodø kommune mener at pasientens legemiddelliste må være på plass først.\n"
            "Kommunen ønsker også felles løsninger for kritisk informasjon.",
        ),
        (
            "vedlegg.eml",
            "Trondheim kommune",
            "ingrid.dahl@trondheim.kommune.no",
            "Ingrid Dahl",
            date(2024, 9, 6),
            "vedlegg-005@trondheim.kommune.no",
            "Se vedlagte innspill fra Trondheim kommune.",
        ),
    ],
)
def test_single_messages(
    name: str, respondent: str, email: str, contact: str, submitted: date, message_id: str, text: str
) -> None:
    """Each golden mail gives one submission with its text, sender, date, respondent and locator."""
    result = read(name)
    assert len(result.submissions) == 1
    sub = result.submissions[0]
    assert sub.respondent == respondent
    assert sub.channel is Channel.EMAIL
    assert (sub.email, sub.contact_name, sub.submitted_on) == (email, contact, submitted)
    assert sub.locator == Locator(file=name, message_id=message_id, part="1")
    assert sub.text == text
    assert [p.locator for p in sub.passages] == [Locator(file=name, message_id=message_id, part="1")]


@pytest.mark.parametrize(
    ("name", "expected_context"),
    [
        (
            "kommune_bokmal.eml",
            "Med vennlig hilsen\nKari Nordmann\nSeksjonsleder, Etat for helse\nBergen kommune",
        ),
        ("nynorsk_html.eml", "Venleg helsing\nOlav Haugen\nVinje kommune"),
        ("videresendt_brev.eml", "Postmottak Bodø kommune <postmottak@bodo.kommune.no>"),
        ("videresendt_brev.eml", "Videresender innspill fra Bodø kommune.\nHilsen Siri"),
        ("videresendt_brev.eml", "Med vennlig hilsen\nAnne Berg\nKommunalsjef helse og omsorg\nBodø kommune"),
    ],
)
def test_signature_and_forward_evidence_go_to_context(name: str, expected_context: str) -> None:
    """Removed signatures, forward notes and forwarded senders are kept as resolution evidence."""
    sub = read(name).submissions[0]
    assert expected_context in sub.context
    assert "konfidensiell" not in sub.text
    assert "Med vennlig hilsen" not in sub.text


def test_disclaimer_is_neither_text_nor_context() -> None:
    """The confidentiality disclaimer is dropped entirely."""
    sub = read("kommune_bokmal.eml").submissions[0]
    assert not any("konfidensiell" in c for c in sub.context)


def test_attachments_become_children_with_safe_names() -> None:
    """Attachments are returned as bytes with display names; '../../etc/passwd.csv' loses its path."""
    maker = _load_maker()
    result = read("vedlegg.eml")
    names = [c.name for c in result.children]
    assert names == [
        "vedlegg.eml!/2/Trondheim_innspill.xlsx",
        "vedlegg.eml!/3/passwd.csv",
        "vedlegg.eml!/4/brev.pdf",
        "vedlegg.eml!/5/brev.docx",
    ]
    by_name = {c.name: c for c in result.children}
    assert by_name["vedlegg.eml!/3/passwd.csv"].data == maker.CSV
    assert by_name["vedlegg.eml!/4/brev.pdf"].data == maker.make_pdf(maker.LETTER_PDF)
    assert by_name["vedlegg.eml!/2/Trondheim_innspill.xlsx"].data[:2] == b"PK"
    assert by_name["vedlegg.eml!/3/passwd.csv"].locator == Locator(
        file="vedlegg.eml", message_id="vedlegg-005@trondheim.kommune.no", part="3"
    )
    assert result.rejections == ()


def test_nested_message_becomes_eml_child() -> None:
    """A message/rfc822 part is a child .eml that reads like the original mail."""
    result = read("nestet.eml")
    assert [c.name for c in result.children] == ["nestet.eml!/2/innspill.eml"]
    inner = read_bytes(result.children[0].data, "nestet.eml!/2/innspill.eml")
    assert inner.submissions[0].respondent == "Bergen kommune"
    assert inner.submissions[0].locator.message_id == "innspill-001@bergen.kommune.no"


def test_mbox_streams_messages_and_unescapes_from() -> None:
    """Three messages, '>From ' unescaped, an impossible date becomes None, a missing id is synthetic."""
    result = read("postboks.mbox")
    subs = result.submissions
    assert [s.respondent for s in subs] == ["Bergen kommune", "Vinje kommune", ""]
    assert subs[1].text == "Vi treng betre nettdekning.\nFrom kommunen si side er dette viktigast."
    assert [s.submitted_on for s in subs] == [date(2024, 9, 2), date(2024, 9, 3), None]
    assert subs[2].locator.message_id == "sha256:5a376b1cfcbc"
    assert all(s.locator.file == "postboks.mbox" for s in subs)
    assert result.notes[0] == "mbox 'postboks.mbox': 3 meldinger"


def test_mbox_broken_message_is_a_rejection_rest_ingested() -> None:
    """An empty message inside an mbox is rejected with its index; the others are read."""
    box = (
        b"From a@b Mon Sep  2 10:00:00 2024\nMessage-ID: <m1@x>\n\nFoerste innspill.\n\n"
        b"From a@b Mon Sep  2 10:00:00 2024\nMessage-ID: <m2@x>\n\n\n"
        b"From a@b Mon Sep  2 10:00:00 2024\nMessage-ID: <m3@x>\n\nTredje innspill.\n"
    )
    result = read_bytes(box, "boks.mbox")
    assert [s.text for s in result.submissions] == ["Foerste innspill.", "Tredje innspill."]
    assert [(r.category, r.reason) for r in result.rejections] == [
        (
            "empty",
            "e-post 'boks.mbox!/2', message-id m2@x: inneholder verken tekst eller vedlegg "
            "– be avsenderen sende innspillet på nytt i e-postteksten eller som vedlegg",
        )
    ]
    assert result.rejections[0].locator == Locator(file="boks.mbox", message_id="m2@x")


def test_mbox_message_limit() -> None:
    """Messages past Limits.max_messages are not read and the cut is reported."""
    box = b"".join(b"From a@b Mon Sep  2 10:00:00 2024\n\nTekst %d.\n\n" % i for i in range(5))
    result = read_bytes(box, "boks.mbox", Limits(max_messages=2))
    assert len(result.submissions) == 2
    assert [r.category for r in result.rejections] == ["too_large"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"From a\nx\n\nFrom b\ny\n", [(1, b"x\n\n", False), (2, b"y\n", False)]),
        (b"From a\n>From x\n>>From y\n", [(1, b"From x\n>From y\n", False)]),
        (b"From a\nline\nFrom not-a-separator\n", [(1, b"line\nFrom not-a-separator\n", False)]),
        (b"preamble\n\nFrom a\nbody\n", [(1, b"body\n", False)]),
        (b"From a\n" + b"x" * 50 + b"\n", [(1, b"", True)]),
        (b"", []),
    ],
)
def test_split_mbox(data: bytes, expected: list[tuple[int, bytes, bool]]) -> None:
    """Separators need a blank line before them; >From is unescaped; oversize messages are flagged."""
    assert list(split_mbox(io.BytesIO(data), 40)) == expected


def _mail(body: str, headers: str = "", ctype: str = 'text/plain; charset="utf-8"') -> bytes:
    return (f"From: A <a@example.no>\nMessage-ID: <t@x>\n{headers}Content-Type: {ctype}\n\n{body}").encode()


def test_empty_mail_is_quarantined() -> None:
    """A mail without text and attachments is quarantined as empty, naming file and message-id."""
    with pytest.raises(QuarantineError) as info:
        read_bytes(_mail("\n\n"), "tom.eml")
    assert info.value.category == "empty"
    assert info.value.reason == (
        "e-post 'tom.eml', message-id t@x: inneholder verken tekst eller vedlegg "
        "– be avsenderen sende innspillet på nytt i e-postteksten eller som vedlegg"
    )


def _multipart(*parts: str) -> bytes:
    body = "".join(f"--B\n{p}\n" for p in parts) + "--B--\n"
    return _mail(body, ctype='multipart/mixed; boundary="B"')


@pytest.mark.parametrize(
    ("part", "category", "reason_part"),
    [
        (
            'Content-Type: application/octet-stream; name="x.bin"\nContent-Transfer-Encoding: base64\n\nQUJD!!!==x',
            "corrupt",
            "del 2: vedlegget 'x.bin' har ødelagt base64-koding – be avsenderen sende vedlegget på nytt",
        ),
        (
            'Content-Type: application/ms-tnef; name="winmail.dat"\n\nxx',
            "unsupported",
            "del 2: delen er et Outlook TNEF-vedlegg (winmail.dat) som ikke kan leses",
        ),
        (
            'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\n\nxx',
            "encrypted",
            "del 2: delen er kryptert (S/MIME eller PGP)",
        ),
        (
            "Content-Type: message/partial; id=x; number=1\n\nxx",
            "unsupported",
            "del 2: delen er en oppdelt melding (message/partial)",
        ),
        (
            "Content-Type: message/external-body; access-type=URL; URL=http://x\n\nxx",
            "unsupported",
            "del 2: delen viser til innhold utenfor e-posten (message/external-body)",
        ),
    ],
)
def test_unreadable_parts_are_rejected_rest_kept(part: str, category: str, reason_part: str) -> None:
    """A bad or unsupported part is a Rejection for that part; the mail text is still read."""
    result = read_bytes(_multipart("Content-Type: text/plain\n\nTeksten.", part), "m.eml")
    assert [s.text for s in result.submissions] == ["Teksten."]
    assert [r.category for r in result.rejections] == [category]
    assert result.rejections[0].reason.startswith(f"e-post 'm.eml', message-id t@x, {reason_part}")
    assert result.rejections[0].locator == Locator(file="m.eml", message_id="t@x", part="2")


def test_alternative_prefers_plain_text() -> None:
    """In multipart/alternative the text/plain part is used, not the HTML."""
    alt = (
        'Content-Type: multipart/alternative; boundary="A"\n\n--A\nContent-Type: text/html\n\n<p>HTML</p>\n'
        "--A\nContent-Type: text/plain\n\nRen tekst\n--A--"
    )
    result = read_bytes(_multipart(alt))
    assert result.submissions[0].text == "Ren tekst"
    assert result.submissions[0].locator.part == "1.2"


def test_attachment_total_limit() -> None:
    """Attachments beyond max_uncompressed_bytes in total are rejected as too large."""
    att = 'Content-Type: application/octet-stream; name="a.bin"\nContent-Transfer-Encoding: base64\n\nQUJDREVGR0g='
    result = read_bytes(
        _multipart("Content-Type: text/plain\n\nT.", att, att), limits=Limits(max_uncompressed_bytes=10)
    )
    assert [c.name for c in result.children] == ["test.eml!/2/a.bin"]
    assert [r.category for r in result.rejections] == ["too_large"]


def test_header_size_limit() -> None:
    """A header block over the limit is quarantined before parsing."""
    with pytest.raises(QuarantineError) as info:
        read_bytes(b"X-Big: " + b"a" * (300 * 1024) + b"\n\nbody")
    assert info.value.category == "too_large"


def test_deep_nesting_is_bounded() -> None:
    """MIME nesting beyond the depth limit is rejected instead of recursing."""
    depth = 30
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    tail = "".join(f"\n--b{i}--\n" for i in reversed(range(depth)))
    raw = f"Message-ID: <d@x>\n{head}Content-Type: text/plain\n\nDypt{tail}".encode()
    result = read_bytes(raw)
    assert [r.category for r in result.rejections] == ["too_deep"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 02 Sep 2024 10:15:00 +0200", date(2024, 9, 2)),
        ("Wed, 31 Feb 2024 14:30:00 +0200", None),
        ("not a date", None),
        ("", None),
        ("Mon, 02 Sep 99999 10:15:00 +0200", None),
    ],
)
def test_parse_date(value: str, expected: date | None) -> None:
    """Impossible or unreadable dates become None."""
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("data", "charset", "text", "note"),
    [
        ("blåbær".encode(), "utf-8", "blåbær", ""),
        ("blåbær".encode("latin-1"), "iso-8859-1", "blåbær", ""),
        ("blåbær".encode("cp1252"), "x-unknown", "blåbær", "ukjent tegnsett 'x-unknown', lest som cp1252"),
        ("blåbær".encode(), "bogus", "blåbær", "ukjent tegnsett 'bogus', lest som UTF-8"),
        ("blåbær".encode("cp1252"), "utf-8", "blåbær", "feil tegnsett 'utf-8', lest som cp1252"),
    ],
)
def test_decode_text(data: bytes, charset: str, text: str, note: str) -> None:
    """Unknown or wrong charsets fall back to UTF-8, then cp1252, with a note."""
    assert decode_text(data, charset) == (text, note)


def test_encoded_word_subject_names_respondent() -> None:
    """An encoded-word subject naming a municipality sets the respondent when nothing else does."""
    raw = _mail("Vi ønsker opplæring.", headers="Subject: =?utf-8?Q?Innspill_fra_Ski=C3=A5_kommune?=\n")
    assert read_bytes(raw).submissions[0].respondent == "Skiå kommune"


def test_display_name_is_a_person_not_respondent() -> None:
    """The From display name goes to contact_name; the Organization header only to context."""
    raw = _mail("Innspill.", headers="Organization: Helseetaten\n").replace(
        b"From: A", b"From: Bergen kommune"
    )
    sub = read_bytes(raw).submissions[0]
    assert (sub.respondent, sub.contact_name) == ("", "Bergen kommune")
    assert "Helseetaten" in sub.context


@pytest.mark.parametrize("repeat", [1, 60])
def test_encoded_word_headers_decode_the_same_short_or_long(repeat: int) -> None:
    """Encoded-word headers decode alike however often they recur and however long they are."""
    subject = "=?utf-8?Q?Innspill_fra_Ski=C3=A5_kommune?=" + " =?utf-8?Q?x=C3=A5?=" * (repeat - 1)
    expected = "Innspill fra Skiå kommune" + "xå" * (repeat - 1)
    for _ in range(2):
        raw = _mail("Vi ønsker opplæring.", headers=f"Subject: {subject}\n")
        assert read_bytes(raw).submissions[0].context[-2] == expected
