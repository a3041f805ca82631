"""What crosses the Temporal boundary of the scheduled workflows: ArchivalWorkflow (daily) and
MaintenanceWorkflow (hourly)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ArchivalInput(BaseModel):
    batch_size: int = 500
    cutoff: datetime | None = None  # fixed for a whole run (and its continuations)
    moved_before: int = 0


class ArchivalResult(BaseModel):
    moved: int
    cutoff: datetime


class ArchiveBatchInput(BaseModel):
    cutoff: datetime
    batch_size: int = 500


class ArchiveBatchResult(BaseModel):
    moved: int


class PurgeResult(BaseModel):
    deleted: int
