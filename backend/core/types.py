"""Input types that every database can store: no NUL characters in text (PostgreSQL refuses
them), integers within 32 bits. Use these in request schemas instead of bare str/int."""

from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MAX = 2**31 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
