"""Champion holder: the scorer in use, swapped atomically when the registry's champion or the store's agreement
in force changes."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from features.profile import Profile
from models.propensity import ModelLoadError
from models.registry import CHAMPION, LeadModel, Registry, RegistryError
from models.scoring import Scorer
from serving.agreement_source import AgreementSource, AgreementUnavailable, InForce
from serving.store.errors import StoreError
from serving.store.signoff import ProposalConflict

log = logging.getLogger("leadscore.champion")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Status:
    """What /ready reports."""

    ready: bool
    model_version: str | None
    agreement_version: str | None
    agreement_sha256: str | None
    problems: tuple[str, ...]


class ChampionHolder:
    """Holds the current Scorer; a failed load never replaces a working one."""

    def __init__(self, profile: Profile, registry: Registry, agreements: AgreementSource,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.profile = profile
        self.registry = registry
        self.agreements = agreements
        self.clock = clock
        self.scorer: Scorer | None = None
        self.in_force: InForce | None = None
        self._model: LeadModel | None = None
        self._problems: dict[str, str] = {}
        self.unreachable: str | None = None  # why the registry could not be asked at the last check
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> bool:
        """Check the store's agreement in force and the champion alias; swap the scorer if either changed."""
        with self._lock:
            changed = self._refresh_agreement() | self._refresh_model()
            if changed and self._model is not None and self.in_force is not None:
                self.scorer = Scorer(self._model, self.in_force.agreement, self.profile)
                log.info("serving %s with agreement %s", self._model.label, self.in_force.agreement.version)
            return changed

    def _refresh_agreement(self) -> bool:
        current = self.in_force
        try:
            if current is not None and not current.cached and self.agreements.digest() == current.sha256:
                self._problems.pop("agreement", None)
                return self._check_file(current)
            taken = self.agreements.load(self.clock())
        except (AgreementUnavailable, ProposalConflict) as exc:
            kept = f", {current.agreement.version} kept" if current else ""
            return self._problem("agreement", f"no agreement put in force{kept}: {exc}")
        except StoreError as exc:
            return self._store_down(current, str(exc))
        self.in_force = taken
        self._problems.pop("agreement", None)
        self._check_file(taken)
        return current is None or taken.sha256 != current.sha256

    def _store_down(self, current: InForce | None, why: str) -> bool:
        if current is not None:
            return self._problem("agreement", f"agreement in force not checked, {current.agreement.version} kept: "
                                              f"{why}")
        try:
            taken = self.agreements.recall()
        except AgreementUnavailable as exc:
            return self._problem("agreement", f"no agreement in force: {why}, and {exc}")
        self.in_force = taken
        self._problem("agreement", f"agreement in force not checked: {why}; serving {taken.agreement.version} as "
                                   "this replica last took it from the store")
        return True

    def _check_file(self, serving: InForce) -> bool:
        problem = self.agreements.file_problem(serving)
        if problem is None:
            self._problems.pop("agreement file", None)
        else:
            self._problem("agreement file", problem)
        return False

    def _refresh_model(self) -> bool:
        try:
            version = self.registry.version_for(CHAMPION)
        except RegistryError as exc:
            self.unreachable = str(exc)
            return self._problem("model", f"champion not checked, previous kept: {exc}")
        self.unreachable = None
        if version is None:
            return self._problem("model", f"no @champion for {self.registry.name} yet: run `make train`")
        if self._model is not None and self._model.version == version:  # back on the version in service
            self._problems.pop("model", None)
            return False
        try:
            model = self.registry.load(version)
        except (RegistryError, ModelLoadError) as exc:
            return self._problem("model", f"champion {self.registry.name}/{version} not loaded, previous kept: {exc}")
        if (misfit := incompatibility(model, self.profile)) is not None:
            return self._problem("model", f"champion {model.label} refused, previous kept: {misfit}")
        self._model = model
        self._problems.pop("model", None)
        return True

    def _problem(self, key: str, message: str) -> bool:
        if self._problems.get(key) != message:
            log.error(message)
        self._problems[key] = message
        return False

    def status(self) -> Status:
        scorer = self.scorer
        return Status(ready=scorer is not None,
                      model_version=scorer.model.version if scorer else None,
                      agreement_version=scorer.agreement.version if scorer else None,
                      agreement_sha256=scorer.agreement.sha256 if scorer else None,
                      problems=tuple(self._problems.values()))

    def start(self, interval: float) -> None:
        """Poll in a background thread every `interval` seconds."""
        self._thread = threading.Thread(target=self._poll, args=(interval,), name="champion-poll", daemon=True)
        self._thread.start()

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the poller must survive anything and keep serving
                log.exception("champion refresh failed; previous scorer kept")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def incompatibility(model: LeadModel, profile: Profile) -> str | None:
    """Why a model cannot score this profile's leads (a feature the profile lacks or types otherwise), or None.

    Such a model loads, but every lead would reach it without that field: it would score them all as missing.
    """
    declared = {feature.name: feature.kind for feature in profile.features}
    misfits = [f"{f.name} ({f.kind.value})" for f in model.estimator.features if declared.get(f.name) != f.kind]
    if not misfits:
        return None
    return f"it was trained on {', '.join(misfits)}, which profile {profile.name!r} does not declare so"
