"""Where a replica's agreement comes from: the lead store's agreement in force, never a file edited on disk.

The configured file only seeds a store that has never had an agreement in force. Each agreement taken from the
store is also kept in the replica's data folder, so a replica restarted while the store is down still serves
the last agreement it took from there (checked against its digest), and no other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from features.profile import Profile
from models.agreement import Agreement, AgreementError, parse_agreement
from serving.store.database import LeadStore
from serving.store.signoff import AuditEvent, Draft, Proposal, in_force, in_force_digest, seed

CACHE_NAME = "agreement-in-force.json"
SEEDED_NOTE = "seeded from file, not signed through the service"


class AgreementUnavailable(Exception):
    """No agreement can be put in force: the store, the seed file or the cache says why."""


@dataclass(frozen=True)
class InForce:
    """The compiled agreement in force and how it got there."""

    agreement: Agreement
    text: str  # exactly as signed (or seeded)
    origin: str  # proposal (signed by both roles) or seeded (the file on an empty store)
    activated_at: dt.datetime | None
    signatures: tuple[AuditEvent, ...]  # the store's signed lines, oldest first
    cached: bool = False  # read from this replica's cache while the store cannot be reached

    @property
    def sha256(self) -> str:
        return self.agreement.sha256

    def sign_off(self) -> dict[str, Any]:
        """Who signed what is in force, as the store recorded it (never what the YAML claims)."""
        signed = {s.role: s.signer for s in self.signatures}
        return {"status": "signed" if self.origin == "proposal" else "seeded",
                "note": None if self.origin == "proposal" else SEEDED_NOTE,
                "activated_at": self.activated_at.isoformat() if self.activated_at else None,
                "signatures": [{"role": s.role, "signer": s.signer, "signed_at": s.at.isoformat()}
                               for s in self.signatures],
                "sales": signed.get("sales"), "marketing": signed.get("marketing")}

    def to_dict(self) -> dict[str, Any]:
        """The agreement card: thresholds, labels, rules, version, full digest and the recorded sign-off."""
        card = self.agreement.to_dict()
        card.pop("signed_off", None)  # the file's own claim is not evidence of anything
        return {**card, "sha256": self.sha256, "sign_off": self.sign_off()}


class AgreementSource:
    """Reads the agreement in force from the store, seeding an empty store from the configured file."""

    def __init__(self, store: LeadStore, profile: Profile, seed_file: Path, data_dir: Path) -> None:
        self.store, self.profile, self.seed_file = store, profile, seed_file
        self.cache = data_dir / CACHE_NAME

    def digest(self) -> str | None:
        """The sha256 in force in the store (StoreError when it cannot be asked); None before the first."""
        return in_force_digest(self.store)

    def load(self, now: dt.datetime) -> InForce:
        """The agreement in force, seeding an empty store first; StoreError or AgreementUnavailable if not."""
        proposal = in_force(self.store) or seed(self.store, self.seed_draft(), now)
        taken = self.compile(proposal)
        self.remember(proposal)
        return taken

    def seed_draft(self) -> Draft:
        """The configured file as a draft: its bytes read once, hashed and parsed from that one read."""
        try:
            data = self.seed_file.read_bytes()
            text = data.decode("utf-8")
        except OSError as exc:
            raise AgreementUnavailable(f"the store has no agreement in force and the seed file {self.seed_file} "
                                       f"cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise AgreementUnavailable(f"seed file {self.seed_file}: not UTF-8 text (byte {exc.start})") from None
        try:
            agreement = parse_agreement(text, self.profile, str(self.seed_file))
        except AgreementError as exc:
            raise AgreementUnavailable(f"the store has no agreement in force and the seed file is refused: "
                                       f"{exc}") from None
        return Draft(agreement.version, agreement.declared_version, agreement.sha256, text)

    def compile(self, proposal: Proposal, cached: bool = False) -> InForce:
        """A stored text compiled for this profile; its digest must be the one recorded."""
        try:
            agreement = parse_agreement(proposal.text, self.profile, f"agreement {proposal.version}")
        except AgreementError as exc:
            raise AgreementUnavailable(f"the agreement in force does not fit profile {self.profile.name!r}: "
                                       f"{exc}") from None
        if agreement.sha256 != proposal.sha256:
            raise AgreementUnavailable(f"agreement {proposal.version}: its text does not match its recorded "
                                       "sha256; refused")
        return InForce(agreement, proposal.text, proposal.origin, proposal.activated_at, proposal.signatures, cached)

    def file_problem(self, serving: InForce) -> str | None:
        """Why the configured file is not what is served, when it differs from the agreement in force."""
        try:
            digest = hashlib.sha256(self.seed_file.read_bytes()).hexdigest()
        except OSError:
            return None  # the file only ever seeds: without it nothing changes
        if digest == serving.sha256:
            return None
        return (f"agreement file {self.seed_file} (sha256 {digest[:12]}) is not signed and is not served; "
                f"{serving.agreement.version} is in force. To put it in force, propose it with "
                "POST /v1/agreements/proposals and have sales and marketing sign it")

    def remember(self, proposal: Proposal) -> None:
        """Keep the agreement taken from the store in the data folder, replaced atomically."""
        record = {"version": proposal.version, "declared_version": proposal.declared_version,
                  "sha256": proposal.sha256, "text": proposal.text, "origin": proposal.origin,
                  "proposed_at": proposal.proposed_at.isoformat(),
                  "activated_at": proposal.activated_at.isoformat() if proposal.activated_at else None,
                  "signatures": [{"role": s.role, "signer": s.signer, "at": s.at.isoformat()}
                                 for s in proposal.signatures]}
        try:
            write_atomically(self.cache, json.dumps(record, ensure_ascii=True).encode("ascii"))
        except OSError:
            pass  # the cache is a convenience for restarts while the store is down, never the source

    def recall(self) -> InForce:
        """The agreement this replica last took from the store; AgreementUnavailable when there is none."""
        try:
            record = json.loads(self.cache.read_text(encoding="ascii"))
            proposal = _cached_proposal(record)
        except FileNotFoundError:
            raise AgreementUnavailable("this replica has never taken an agreement from the store") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AgreementUnavailable(f"the cached agreement {self.cache} cannot be read: {exc}") from None
        return self.compile(proposal, cached=True)


def _cached_proposal(record: dict[str, Any]) -> Proposal:
    def when(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    signatures = tuple(AuditEvent(record["version"], "signed", s["role"], s["signer"],
                                  dt.datetime.fromisoformat(s["at"])) for s in record["signatures"])
    return Proposal(record["version"], record["declared_version"], record["sha256"], record["text"],
                    record["origin"], dt.datetime.fromisoformat(record["proposed_at"]), when(record["activated_at"]),
                    signatures)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: a synced temp file in the same folder, renamed, then the folder synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut only once the folder is synced
    finally:
        os.close(folder)
