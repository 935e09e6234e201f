"""Service settings, typed and validated at start-up (environment variables LEADSCORE_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from models.tracking import DEFAULT_TRACKING_URI


def _split_keys(value: object) -> object:
    if isinstance(value, str):
        return [key.strip() for key in value.split(",") if key.strip()]
    return value


class Settings(BaseSettings):
    """Everything the scorer needs to start; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="LEADSCORE_", extra="ignore", validate_by_name=True)

    profile: Path = Path("profiles/demo.yaml")
    agreement: Path = Path("agreements/demo.yaml")
    tracking_uri: str = Field(DEFAULT_TRACKING_URI,
                              validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "LEADSCORE_TRACKING_URI"))
    reload_seconds: Annotated[float, Field(gt=0)] = 30.0
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    admin_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sales_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)  # agreement sign-off
    marketing_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_batch: Annotated[int, Field(ge=1, le=100_000)] = 10_000
    # batch calls in flight per key: one client's big batches cannot take every worker thread from the others
    batches_per_key: Annotated[int, Field(ge=1, le=64)] = 2
    max_body_bytes: Annotated[int, Field(ge=1024)] = 20 * 1024 * 1024
    log_level: str = "info"
    data_dir: Path = Path("data")
    store_url: str | None = None  # any SQLAlchemy URL; SQLite at data_dir/leads.db when unset
    source_field: str | None = "lead_source"  # the lead field `GET /v1/leads?source=` filters on
    # the language of answers and pages when neither ?lang= nor Accept-Language names a served one
    language: Literal["en", "da", "nl", "pl"] = "en"

    @field_validator("api_keys", "admin_keys", "sales_keys", "marketing_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_keys(value)

    @field_validator("store_url", "source_field", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("store_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                make_url(value)
            except ArgumentError:
                raise ValueError(f"LEADSCORE_STORE_URL {value!r} is not an SQLAlchemy URL") from None
        return value

    @property
    def keys_configured(self) -> bool:
        return bool(self.api_keys or self.admin_keys or self.sales_keys or self.marketing_keys)

    @property
    def lead_store_url(self) -> str:
        """LEADSCORE_STORE_URL, else the SQLite file leads.db in LEADSCORE_DATA_DIR."""
        return self.store_url or f"sqlite:///{self.data_dir / 'leads.db'}"
