"""Outlook ``.msg`` connector (extract-msg): one mail item -> one submission + children.

Only mail items (message class ``IPM.Note``) carry input; contacts, appointments,
notes and tasks saved as ``.msg`` are refused with a reason. Attachments become
``ChildFile`` records named ``mail.msg!/<n>/<name>``; embedded messages become
``.msg`` children exported by extract-msg. The dispatcher has already capped the
file size, so the whole item is read into memory (extract-msg needs bytes or a path).
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, datetime
from typing import Any, BinaryIO

from connectors.base import Limits, QuarantineError
from connectors.htmltext import html_to_text
from models.records import Channel, ChildFile, Locator, Passage, ReadResult, Rejection, Submission
from processing.mailtext import (
    find_organisation,
    head_lines,
    normalise_newlines,
    organisation_in_subject,
    sanitise_name,
    split_mail_text,
)

MAX_ATTACHMENTS = 500

_ITEM_NAMES = {
    "ipm.appointment": "en kalenderavtale",
    "ipm.schedule.meeting": "en møteinnkalling",
    "ipm.contact": "et kontaktkort",
    "ipm.distlist": "en distribusjonsliste",
    "ipm.task": "en oppgave",
    "ipm.stickynote": "en notatlapp",
    "ipm.activity": "en journaloppføring",
    "ipm.post": "et innlegg i en fellesmappe",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        for encoding in ("utf-8", "cp1252"):
            try:
                return value.decode(encoding)
            except UnicodeDecodeError:
                continue
    return str(value).replace("\x00", "")


def _item_kind(class_type: str) -> str:
    lowered = class_type.lower()
    for prefix, label in _ITEM_NAMES.items():
        if lowered.startswith(prefix):
            return label
    return f"et Outlook-element av typen '{class_type}'"


def _open(data: bytes, name: str) -> Any:
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        return extract_msg.openMsg(
            data, delayAttachments=False, errorBehavior=extract_msg.enums.ErrorBehavior.THROW
        )
    except (
        ExMsgBaseException,
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        NotImplementedError,
    ) as exc:
        raise QuarantineError(
            f"Outlook-fil '{name}': kunne ikke leses som .msg ({type(exc).__name__}) "
            "– lagre e-posten på nytt fra Outlook eller send den som .eml",
            "corrupt",
        ) from None


_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([\r\n]+)|([^\\{}\r\n]+)"
)
_RTF_SKIP_GROUPS = {
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"header",
    b"footer",
    b"themedata",
    b"datastore",
    b"latentstyles",
    b"listtable",
    b"listoverridetable",
    b"rsidtbl",
    b"generator",
    b"xmlnstbl",
    b"fldinst",
}
MAX_RTF_BYTES = 5_000_000


def rtf_to_text(rtf: bytes) -> str:
    """Visible text of an RTF body in one linear pass (no RTFDE: its parser takes seconds per mail).

    Ignorable destinations (``{\\* ...}``), font/colour tables and pictures are
    skipped; in HTML-encapsulated RTF the ``\\htmlrtf`` ... ``\\htmlrtf0`` runs,
    which repeat the text for RTF readers, are skipped too.
    """
    out: list[str] = []
    stack: list[bool] = []
    skip = False
    htmlrtf = False
    pending = 0  # fallback characters to drop after a \\uN
    uc = 1
    for m in _RTF_TOKEN.finditer(rtf[:MAX_RTF_BYTES]):
        word, arg, hexv, sym, brace, newline, text = m.groups()
        if brace is not None:
            if brace == b"{":
                stack.append(skip)
            else:
                skip = stack.pop() if stack else False
            continue
        if newline is not None or skip:
            continue
        if word is not None:
            if word in _RTF_SKIP_GROUPS:
                skip = True
            elif word == b"htmlrtf":
                htmlrtf = arg != b"0"
            elif htmlrtf:
                continue
            elif word in {b"par", b"line", b"row"}:
                out.append("\n")
            elif word in {b"tab", b"cell"}:
                out.append("\t")
            elif word == b"uc" and arg is not None:
                uc = int(arg)
            elif word == b"u" and arg is not None:
                value = int(arg)
                out.append(chr(value + 65536 if value < 0 else value) if -65536 < value < 0x110000 else "")
                pending = uc
            continue
        if sym is not None:
            if sym == b"*":
                skip = True
            elif not htmlrtf:
                out.append(
                    {b"~": " ", b"_": "-", b"-": "", b"\n": "\n", b"\r": "\n"}.get(sym, sym.decode("latin-1"))
                )
            continue
        if htmlrtf:
            continue
        if hexv is not None:
            if pending:
                pending -= 1
                continue
            out.append(bytes.fromhex(hexv.decode()).decode("cp1252", errors="replace"))
            continue
        chunk = text.decode("cp1252", errors="replace")
        if pending:
            chunk, pending = chunk[pending:], max(0, pending - len(chunk))
        out.append(chunk)
    return normalise_newlines("".join(out))


def _body(msg: Any) -> str:
    try:
        body = _text(msg.body)
    except Exception:  # extract-msg raises many kinds on broken property streams
        body = ""
    if body.strip():
        return body
    try:
        html = msg.getStream("__substg1.0_10130102")  # PidTagHtml, only when stored natively
        if html:
            return html_to_text(_text(html))
        rtf = msg.rtfBody  # decompressed only; de-encapsulating with RTFDE can take many seconds
    except Exception:  # damaged streams or compressed RTF
        return ""
    return rtf_to_text(rtf) if isinstance(rtf, bytes) else ""


def _sender(msg: Any) -> tuple[str, str]:
    from email.utils import parseaddr

    raw = _text(getattr(msg, "sender", None))
    name, address = parseaddr(raw)
    if "@" not in address:
        return raw.strip(), ""
    return name.strip(), address


def _date(msg: Any) -> date | None:
    try:
        value = msg.date
    except Exception:  # an unparsable PidTagClientSubmitTime
        return None
    return value.date() if isinstance(value, datetime) else None


class MsgConnector:
    """Reads Outlook ``.msg`` mail items."""

    kinds: tuple[str, ...] = ("msg",)

    def read(self, name: str, fp: BinaryIO, limits: Limits) -> ReadResult:
        data = fp.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            raise QuarantineError(
                f"Outlook-fil '{name}': er større enn {limits.max_file_bytes // (1024 * 1024)} MB "
                "– del innsendingen opp",
                "too_large",
            )
        # extract-msg logs every unknown property at WARNING; the manifest records what matters
        logging.getLogger("extract_msg").setLevel(logging.ERROR)
        msg = _open(data, name)
        try:
            return self._read_item(msg, name, data, limits)
        finally:
            try:
                msg.close()
            except Exception:  # closing a half-parsed OLE file must not hide the real result
                logging.getLogger(__name__).debug("close failed for %s", name)

    def _read_item(self, msg: Any, name: str, data: bytes, limits: Limits) -> ReadResult:
        class_type = _text(getattr(msg, "classType", "")).strip() or "IPM.Note"
        lowered = class_type.lower()
        if not lowered.startswith("ipm.note"):
            raise QuarantineError(
                f"Outlook-fil '{name}': er {_item_kind(class_type)}, ikke en e-post "
                "– send innspillet som e-post eller dokument",
                "unsupported",
            )
        if lowered.startswith("ipm.note.smime") and "multipartsigned" not in lowered:
            raise QuarantineError(
                f"Outlook-fil '{name}': e-posten er kryptert (S/MIME) og kan ikke leses "
                "– be avsenderen sende innspillet ukryptert",
                "encrypted",
            )
        message_id = _text(getattr(msg, "messageId", None)).strip().strip("<>")
        message_id = message_id or f"sha256:{hashlib.sha256(data).hexdigest()[:12]}"
        subject = _text(getattr(msg, "subject", None)).strip()
        locator = Locator(file=name, message_id=message_id, part="body")
        children: list[ChildFile] = []
        rejections: list[Rejection] = []
        total = 0
        for index, att in enumerate(list(getattr(msg, "attachments", []))[:MAX_ATTACHMENTS], start=1):
            part = str(index)
            att_locator = Locator(file=name, message_id=message_id, part=part)
            raw_name = _text(getattr(att, "longFilename", None) or getattr(att, "name", None))
            try:
                payload = att.data
                if payload is not None and not isinstance(payload, bytes) and hasattr(payload, "exportBytes"):
                    label = sanitise_name(raw_name, f"melding-{part}.msg")
                    if not label.lower().endswith(".msg"):
                        label += ".msg"
                    payload = payload.exportBytes()
                else:
                    label = sanitise_name(raw_name, f"vedlegg-{part}.bin")
            except Exception as exc:  # broken attachment streams: reject the part, keep the mail
                reason = (
                    f"Outlook-fil '{name}', vedlegg {part}: kunne ikke leses ({type(exc).__name__}) "
                    "– be avsenderen sende vedlegget på nytt"
                )
                rejections.append(Rejection(att_locator, reason, "corrupt"))
                continue
            if not isinstance(payload, bytes) or not payload:
                continue
            total += len(payload)
            if total > limits.max_uncompressed_bytes:
                reason = (
                    f"Outlook-fil '{name}', vedlegg {part} '{label}': vedleggene er til sammen for store "
                    "– del innsendingen opp"
                )
                rejections.append(Rejection(att_locator, reason, "too_large"))
                continue
            children.append(ChildFile(name=f"{name}!/{part}/{label}", data=payload, locator=att_locator))

        mt = split_mail_text(_body(msg), subject)
        display, address = _sender(msg)
        respondent = (
            find_organisation(mt.signature.split("\n"))
            or find_organisation(head_lines(mt.body))
            or find_organisation(mt.forward_note.split("\n"))
            or organisation_in_subject(mt.forward_note.replace("\n", " "))
            or organisation_in_subject(subject)
        )
        context = [c for c in (mt.forwarded_from, mt.signature, mt.forward_note, subject) if c]
        submissions: tuple[Submission, ...] = ()
        if mt.body.strip():
            submissions = (
                Submission(
                    respondent=respondent,
                    channel=Channel.EMAIL,
                    locator=locator,
                    passages=(Passage(text=mt.body.strip(), locator=locator),),
                    email=address or None,
                    contact_name=display or None,
                    submitted_on=_date(msg),
                    context=tuple(context),
                ),
            )
        if not submissions and not children and not rejections:
            raise QuarantineError(
                f"Outlook-fil '{name}', message-id {message_id}: inneholder verken tekst eller vedlegg "
                "– be avsenderen sende innspillet på nytt i e-postteksten eller som vedlegg",
                "empty",
                Locator(file=name, message_id=message_id),
            )
        return ReadResult(submissions, tuple(rejections), tuple(children), (f"{name}: Outlook {class_type}",))
