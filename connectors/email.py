"""E-mail connector: single messages (``.eml``) and mailboxes (``mbox``).

Each message becomes at most one ``Submission``: the sender's own text (or a
forwarded municipal letter) with signature, disclaimers and quoted history cut
away by ``processing.mailtext``. Attachments and nested messages are returned as
``ChildFile`` records for the dispatcher; their names are display strings such
as ``mail.eml!/2/innspill.xlsx`` and never touch the file system.

The MIME tree is parsed with ``compat32`` (linear time, raw values kept); the
headers we show (From, Subject, Date, Message-ID, Organization) go through
``email.policy.default``'s header classes and fall back to compat32 decoding
when those raise. Parsing the whole tree with ``policy.default`` cost 20x the
time of stdlib ``mailbox`` (bench/bench_ingest_mbox.py) and ~13 s on a mail
with 3,000 nested parts.
An mbox is split by a streaming "From " line splitter (``mailbox.mbox`` wants a
path and reads the whole index), so memory is bounded by the largest message.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from email import errors as email_errors
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import Any, BinaryIO

from connectors.base import Limits, QuarantineError
from connectors.htmltext import MAX_HTML_CHARS, html_to_text
from models.records import Channel, ChildFile, Locator, Passage, ReadResult, Rejection, Submission
from processing.mailtext import (
    FORWARD_NOTE_MAX_CHARS,
    find_organisation,
    head_lines,
    organisation_in_line,
    organisation_in_subject,
    sanitise_name,
    split_mail_text,
)

MAX_HEADER_BYTES = 256 * 1024  # a header block larger than this is hostile or broken
MAX_PARTS = 500  # MIME parts per message
MAX_MIME_DEPTH = 20  # multipart nesting inside one message (attachments in attachments: Limits.max_depth)
MIN_TEXT_CHARS = 2

_UNSUPPORTED_TYPES = {
    "message/partial": "er en oppdelt melding (message/partial) som ikke kan settes sammen her",
    "message/external-body": "viser til innhold utenfor e-posten (message/external-body) som ikke hentes",
    "application/ms-tnef": "er et Outlook TNEF-vedlegg (winmail.dat) som ikke kan leses",
    "application/vnd.ms-tnef": "er et Outlook TNEF-vedlegg (winmail.dat) som ikke kan leses",
}
_ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted"}
_SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
_BASE64_DEFECTS = (
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64LengthDefect,
    email_errors.InvalidBase64PaddingDefect,
)
_SURROGATES = re.compile("[\udc80-\udcff]")
_HEADER_CLASSES: dict[str, Any] = {}
# parsed by parsedate_to_datetime / used verbatim: the header classes would only add cost
_RAW_HEADERS = {"date", "message-id"}
_REPORT_TYPES = {"message/delivery-status", "message/disposition-notification", "text/rfc822-headers"}


@dataclass
class _Walk:
    """Mutable state while walking the MIME tree of one message."""

    name: str  # display name of the message (file, or mbox!/index)
    child_prefix: str  # children are named f"{child_prefix}/{part}/{file name}"
    file: str  # locator file (the inbox path)
    message_id: str
    limits: Limits
    plain: list[tuple[str, str]] = field(default_factory=list)  # (part, text)
    html: list[tuple[str, str]] = field(default_factory=list)
    children: list[ChildFile] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_parts: int = 0
    attachment_bytes: int = 0

    def locator(self, part: str) -> Locator:
        return Locator(file=self.file, message_id=self.message_id, part=part)

    def reject(self, part: str, what: str, fix: str, category: str) -> None:
        reason = f"e-post '{self.name}', message-id {self.message_id}, del {part}: {what} – {fix}"
        self.rejections.append(Rejection(self.locator(part), reason, category))


def header_text(msg: Message, name: str) -> str:
    """A header as text: parsed by ``policy.default`` (encoded words, folding), else compat32-decoded.

    The MIME tree is parsed with compat32 (linear, never raises on headers); the
    headers we show are run through the default policy's header classes when they
    hold encoded words; when those classes raise, the raw value is decoded the
    compat32 way. Raw 8-bit header bytes are read as UTF-8, else cp1252.
    """
    lowered = name.lower()
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == lowered), None)
    if raw is None:
        return ""
    if len(raw) <= _MEMO_HEADER_CHARS:
        return _decode_header_memo(lowered, raw)
    return _decode_header(lowered, raw)


def _decode_header(lowered: str, raw: str) -> str:
    if _SURROGATES.search(raw):  # raw 8-bit bytes in a header: UTF-8 if it decodes, else cp1252
        data = raw.encode("ascii", errors="surrogateescape")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raw = data.decode("cp1252", errors="replace")
    text = raw
    if lowered not in _RAW_HEADERS and "=?" in raw:  # without encoded words the header classes change nothing
        try:
            header_class = _HEADER_CLASSES.get(lowered)
            if header_class is None:  # the registry builds a new class on every lookup: cache it
                registry: Any = policy.default.header_factory
                header_class = _HEADER_CLASSES.setdefault(lowered, registry[lowered])
            text = str(header_class(lowered, "".join(raw.splitlines())))
        except (email_errors.MessageError, IndexError, ValueError, TypeError, AttributeError, LookupError):
            text = raw
    if "=?" in text:
        with contextlib.suppress(email_errors.HeaderParseError, LookupError, UnicodeError, ValueError):
            text = str(make_header(decode_header(text)))
    return re.sub(r"\s+", " ", text).strip()


# Senders, subjects and organisations repeat across the messages of a mailbox, and a value with
# encoded words costs 20-150 µs in the header classes; long (hostile) values are not kept.
_MEMO_HEADER_CHARS = 1000
_decode_header_memo = lru_cache(maxsize=4096)(_decode_header)


def parse_date(value: str) -> date | None:
    """The date of a Date header, or None for a missing or impossible one (31 Feb, year 0)."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """Text of a body part and a note when the declared charset was unknown or wrong."""
    name = (charset or "us-ascii").strip().strip("\"'").lower()
    try:
        return data.decode(name), ""
    except LookupError:
        note = f"ukjent tegnsett '{name}'"
    except UnicodeDecodeError:
        note = f"feil tegnsett '{name}'"
    try:
        return data.decode("utf-8"), f"{note}, lest som UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), f"{note}, lest som cp1252"


def _payload_bytes(part: Message) -> tuple[bytes, bool]:
    """Decoded payload of a leaf part and whether base64 decoding found defects."""
    before = len(part.defects)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = b""
    bad = any(isinstance(d, _BASE64_DEFECTS) for d in part.defects[before:])
    if (part.get("content-transfer-encoding") or "").strip().lower() == "base64":
        raw = part.get_payload()
        if isinstance(raw, str):
            try:
                binascii.a2b_base64(raw.encode("ascii", errors="strict"))
            except (binascii.Error, UnicodeEncodeError):
                bad = True
    return data, bad


def _message_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes(policy=policy.compat32)
    except (ValueError, TypeError, LookupError, UnicodeError, email_errors.MessageError):
        return msg.as_string(policy=policy.compat32).encode("utf-8", errors="surrogateescape")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, TypeError, LookupError, IndexError, email_errors.MessageError):
        return None
    if name and "=?" in name:  # encoded words are not allowed in parameters, but mailers use them
        with contextlib.suppress(email_errors.HeaderParseError, LookupError, UnicodeError, ValueError):
            name = str(make_header(decode_header(name)))
    return name


def _is_attachment(part: Message, filename: str | None) -> bool:
    """``filename``: the part's ``_filename``, which the caller already has."""
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except (ValueError, TypeError, IndexError, email_errors.MessageError):
        disposition = ""
    return disposition == "attachment" or filename is not None


def _add_child(w: _Walk, part: str, data: bytes, filename: str) -> None:
    w.attachment_bytes += len(data)
    if w.attachment_bytes > w.limits.max_uncompressed_bytes:
        w.reject(
            part,
            f"vedlegget '{filename}' gjør at vedleggene til sammen er større enn "
            f"{w.limits.max_uncompressed_bytes // (1024 * 1024)} MB",
            "be avsenderen dele innsendingen i flere e-poster",
            "too_large",
        )
        return
    w.children.append(
        ChildFile(name=f"{w.child_prefix}/{part}/{filename}", data=data, locator=w.locator(part))
    )


def _walk(w: _Walk, part: Message, path: str, depth: int) -> None:
    w.n_parts += 1
    if w.n_parts > MAX_PARTS:
        if w.n_parts == MAX_PARTS + 1:
            w.reject(
                path,
                f"e-posten har mer enn {MAX_PARTS} deler; resten er ikke lest",
                "del den opp",
                "too_large",
            )
        return
    if depth > MAX_MIME_DEPTH:
        w.reject(
            path, f"delene er nøstet dypere enn {MAX_MIME_DEPTH} nivåer", "send innholdet på nytt", "too_deep"
        )
        return
    ctype = part.get_content_type()
    filename = _filename(part)
    if ctype in _ENCRYPTED_TYPES:
        smime = str(part.get_param("smime-type") or "").lower()
        if (
            ctype == "multipart/encrypted"
            or smime == "enveloped-data"
            or (not smime and (filename or "").lower().endswith(".p7m"))
        ):
            what, category = "delen er kryptert (S/MIME eller PGP)", "encrypted"
        elif smime == "signed-data":
            what, category = (
                "delen er en innpakket S/MIME-signert melding som ikke kan leses her",
                "unsupported",
            )
        else:
            w.notes.append(f"{w.name} del {path}: S/MIME-sertifikater ({ctype}) hoppet over")
            return
        w.reject(
            path or "1", what, "be avsenderen sende innspillet uten kryptering eller signering", category
        )
        return
    if ctype in _UNSUPPORTED_TYPES or (filename or "").lower() == "winmail.dat":
        what = _UNSUPPORTED_TYPES.get(ctype, _UNSUPPORTED_TYPES["application/ms-tnef"])
        w.reject(
            path,
            f"delen {what}",
            "be avsenderen sende innspillet som vanlig tekst eller vedlegg",
            "unsupported",
        )
        return
    if ctype in _SIGNATURE_TYPES:
        w.notes.append(f"{w.name} del {path}: digital signatur ({ctype}) hoppet over")
        return
    if ctype in _REPORT_TYPES:
        w.notes.append(f"{w.name} del {path}: leveringsrapport ({ctype}) hoppet over")
        return
    if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            data = _message_bytes(inner[0])
        else:
            data, _ = _payload_bytes(part)
        if data.strip():
            _add_child(w, path or "1", data, sanitise_name(filename, "melding.eml"))
        return
    if ctype.startswith("multipart/") and not part.is_multipart():
        # a multipart without (matching) boundaries: python keeps the body as one text payload
        data, _ = _payload_bytes(part)
        text, note = decode_text(data, part.get_content_charset())
        w.plain.append((path or "1", text))
        w.notes.append(f"{w.name} del {path or '1'}: {ctype} uten gyldige skillelinjer lest som tekst")
        return
    if part.is_multipart():
        payload = part.get_payload()
        if not isinstance(payload, list):
            return
        subparts = [sub for sub in payload if isinstance(sub, Message)]
        if ctype == "multipart/alternative":
            ranked = sorted(
                range(len(subparts)),
                key=lambda i: {"text/plain": 0, "multipart/related": 1, "text/html": 2}.get(
                    subparts[i].get_content_type(), 3
                ),
            )
            for i in ranked[:1]:
                _walk(w, subparts[i], f"{path}.{i + 1}" if path else str(i + 1), depth + 1)
            return
        for i, sub in enumerate(subparts):
            _walk(w, sub, f"{path}.{i + 1}" if path else str(i + 1), depth + 1)
        return
    part_path = path or "1"
    data, bad_base64 = _payload_bytes(part)
    label = sanitise_name(filename, f"del-{part_path}")
    if bad_base64:
        w.reject(
            part_path,
            f"vedlegget '{label}' har ødelagt base64-koding",
            "be avsenderen sende vedlegget på nytt",
            "corrupt",
        )
        return
    if ctype in {"text/plain", "text/html"} and not _is_attachment(part, filename):
        text, note = decode_text(data, part.get_content_charset())
        if note:
            w.notes.append(f"{w.name} del {part_path}: {note}")
        (w.plain if ctype == "text/plain" else w.html).append((part_path, text))
        return
    if not data:
        return
    if not filename:
        ext = {"text/plain": ".txt", "text/html": ".html", "text/csv": ".csv", "application/pdf": ".pdf"}
        label = f"del-{part_path}{ext.get(ctype, '.bin')}"
    _add_child(w, part_path, data, label)


def _header_block_size(raw: bytes) -> int:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return min(ends) if ends else len(raw)


def read_message(raw: bytes, name: str, limits: Limits, file: str | None = None) -> ReadResult:
    """Read one message's bytes; ``name`` is its display name, ``file`` the locator file (default name).

    Children are named ``<name>!/<part>/<file>``, or ``<name>/<part>/<file>`` when
    ``name`` already points into a container (``box.mbox!/3``).
    """
    file = file or name
    synthetic_id = f"sha256:{hashlib.sha256(raw).hexdigest()[:12]}"
    if _header_block_size(raw) > MAX_HEADER_BYTES:
        raise QuarantineError(
            f"e-post '{name}': brevhodet er større enn {MAX_HEADER_BYTES // 1024} KB og er trolig ødelagt "
            "– be avsenderen sende e-posten på nytt",
            "too_large",
        )
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        return _read_parsed(msg, name, file, synthetic_id, limits)
    except QuarantineError:
        raise
    except (RecursionError, email_errors.MessageError, ValueError, TypeError, LookupError, IndexError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    raise QuarantineError(
        f"e-post '{name}': kunne ikke tolkes ({error}) – be avsenderen sende den på nytt, "
        "gjerne med innspillet som vedlegg",
        "corrupt",
    )


def _read_parsed(msg: Message, name: str, file: str, synthetic_id: str, limits: Limits) -> ReadResult:
    message_id = header_text(msg, "message-id").strip("<> ") or synthetic_id
    prefix = name if "!/" in name else f"{name}!"
    w = _Walk(name=name, child_prefix=prefix, file=file, message_id=message_id, limits=limits)
    _walk(w, msg, "", 0)
    subject = header_text(msg, "subject")
    sender = getaddresses([header_text(msg, "from")])
    display, address = sender[0] if sender else ("", "")
    organization = header_text(msg, "organization")

    if not w.plain and any(len(h) > MAX_HTML_CHARS for _, h in w.html):
        w.notes.append(f"{name}: HTML-teksten er lengre enn {MAX_HTML_CHARS} tegn; resten er ikke lest")
    bodies = w.plain or [(p, html_to_text(h)) for p, h in w.html]
    texts = [(p, split_mail_text(t, subject)) for p, t in bodies if t.strip()]
    passages: list[Passage] = []
    context: list[str] = []
    respondent = ""
    for part, mt in texts:
        if len(mt.body.strip()) >= MIN_TEXT_CHARS:
            passages.append(Passage(text=mt.body.strip(), locator=w.locator(part)))
        if mt.forwarded_from:
            context.append(mt.forwarded_from)
            w.notes.append(f"{name}: videresendt brev fra {mt.forwarded_from} brukt som innspill")
        for evidence in (mt.signature, mt.forward_note):
            if evidence:
                context.append(evidence)
        respondent = respondent or (
            find_organisation(mt.signature.split("\n"))
            or find_organisation(head_lines(mt.body))
            or find_organisation(mt.forward_note.split("\n"))
            or organisation_in_subject(mt.forward_note.replace("\n", " "))
            or (organisation_in_subject(mt.body) if len(mt.body) <= FORWARD_NOTE_MAX_CHARS else "")
        )
    respondent = respondent or organisation_in_subject(subject) or organisation_in_line(organization)
    for extra in (organization, subject, *[line for _, mt in texts for line in head_lines(mt.body, 2)]):
        if extra and extra not in context:
            context.append(extra)

    submissions: tuple[Submission, ...] = ()
    if passages:
        submissions = (
            Submission(
                respondent=respondent,
                channel=Channel.EMAIL,
                locator=Locator(file=file, message_id=message_id, part=passages[0].locator.part),
                passages=tuple(passages),
                email=address or None,
                contact_name=display or None,
                submitted_on=parse_date(header_text(msg, "date")),
                context=tuple(context),
            ),
        )
    if not submissions and not w.children and not w.rejections:
        raise QuarantineError(
            f"e-post '{name}', message-id {message_id}: inneholder verken tekst eller vedlegg "
            "– be avsenderen sende innspillet på nytt i e-postteksten eller som vedlegg",
            "empty",
            Locator(file=file, message_id=message_id),
        )
    return ReadResult(
        submissions=submissions,
        rejections=tuple(w.rejections),
        children=tuple(w.children),
        notes=tuple(w.notes),
    )


_ESCAPED_FROM = re.compile(rb"^>+From ")


def split_mbox(fp: Iterable[bytes], max_message_bytes: int) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (1-based index, message bytes, truncated) from an mbox stream, undoing ``>From `` escaping.

    A message starts at a "From " line at the start of the file or after a blank
    line. Bytes past ``max_message_bytes`` are skipped (``truncated`` is True).
    """
    index = 0
    buf: list[bytes] = []
    size = 0
    truncated = False
    previous_blank = True
    for line in fp:
        if line.startswith(b"From ") and previous_blank:
            if index:
                yield index, b"".join(buf), truncated
            index += 1
            buf, size, truncated = [], 0, False
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if not index:
            continue  # bytes before the first separator are no message
        if _ESCAPED_FROM.match(line):
            line = line[1:]
        size += len(line)
        if size > max_message_bytes:
            truncated = True
            continue
        buf.append(line)
    if index:
        yield index, b"".join(buf), truncated


class EmailConnector:
    """Reads ``.eml`` messages and mbox mailboxes."""

    kinds: tuple[str, ...] = ("eml", "mbox")

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        head = fp.read(5)
        if head == b"From ":
            return self.read_mbox(name, fp, limits, head)
        return read_message(head + fp.read(), name, limits)

    def read_mbox(self, name: str, fp: BinaryIO, limits: Limits, head: bytes = b"") -> ReadResult:
        stream = _Prefixed(head, fp)
        submissions: list[Submission] = []
        rejections: list[Rejection] = []
        children: list[ChildFile] = []
        notes: list[str] = []
        count = 0
        for index, raw, truncated in split_mbox(stream, limits.max_file_bytes):
            count = index
            loc = Locator(file=name, part=f"melding {index}")
            if index > limits.max_messages:
                reason = (
                    f"mbox '{name}': har flere enn {limits.max_messages} meldinger; resten er ikke lest "
                    "– del postboksen opp"
                )
                rejections.append(Rejection(loc, reason, "too_large"))
                break
            if truncated:
                reason = (
                    f"mbox '{name}', melding {index}: er større enn grensen for én fil – send den for seg"
                )
                rejections.append(Rejection(loc, reason, "too_large"))
                continue
            try:
                result = read_message(raw, f"{name}!/{index}", limits, file=name)
            except QuarantineError as exc:
                rejections.append(Rejection(exc.locator or loc, exc.reason, exc.category))
                continue
            submissions.extend(result.submissions)
            rejections.extend(result.rejections)
            children.extend(result.children)
            notes.extend(result.notes)
        if count == 0:
            raise QuarantineError(
                f"mbox '{name}': fant ingen meldinger (ingen linje som starter med 'From ') "
                "– eksporter postboksen på nytt som mbox eller send meldingene som .eml",
                "empty",
            )
        notes.insert(0, f"mbox '{name}': {min(count, limits.max_messages)} meldinger")
        return ReadResult(tuple(submissions), tuple(rejections), tuple(children), tuple(notes))


class _Prefixed:
    """Line iteration over ``head`` + the rest of a binary stream, without reading it all."""

    def __init__(self, head: bytes, fp: BinaryIO) -> None:
        self.head = head
        self.fp = fp

    def __iter__(self) -> Iterator[bytes]:
        first = self.head + self.fp.readline()
        if first:
            yield first
        yield from self.fp
