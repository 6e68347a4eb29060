from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Month = Annotated[
    str,
    Field(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="a month, YYYY-MM (Beijing time)"),
]


class BulletinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: Annotated[
        str, Field(min_length=1, max_length=32, description="a township or county code")
    ]
    month: Month
    regenerate: bool = Field(
        default=False, description="make it again with today's figures if it exists"
    )


class BulletinOut(BaseModel):
    id: uuid.UUID
    area_code: str
    area_name: str
    area_level: str
    month: str
    version: int
    generated_at: datetime
    by_worker: bool  # made by the worker after the month ended, not on request
    pages: int
    pdf_size: int
    pdf_url: str
    file_name: str  # what the PDF is called when downloaded, in Chinese
    page_urls: list[str]


class BulletinDetail(BulletinOut):
    figures: dict[str, Any]  # what docs/bulletins.md defines, as the document shows it
