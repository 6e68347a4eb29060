"""A burst of sign-ins does not starve the rest of the API, and past a bound is told to come
back later (decision 0043): the password checks run on threads of their own, one here, so
that a queue forms, and at most 8 per thread wait."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from backend.core.errors import PROBLEM_JSON
from backend.core.settings import get_settings

BURST = 30


@pytest.fixture
def one_password_thread(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FIREGRID_PASSWORD_HASHING_THREADS", "1")
    monkeypatch.setenv("FIREGRID_PASSWORD_HASHING_WAITING_PER_THREAD", "8")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_other_requests_answer_while_a_burst_of_sign_ins_waits_and_the_excess_gets_503(
    live_server, api, one_password_thread, station_staff
):
    headers = station_staff.headers(api)
    credentials = {"username": station_staff.username, "password": station_staff.password}

    async def run() -> tuple[list[httpx.Response], list[int], list[httpx.Response]]:
        signed_in: list[httpx.Response] = []
        turned_away = asyncio.Event()
        limits = httpx.Limits(max_connections=BURST + 4)
        async with httpx.AsyncClient(base_url=live_server, timeout=60, limits=limits) as client:

            async def sign_in() -> httpx.Response:
                answer = await client.post(
                    "/api/v1/auth/token", data=credentials, headers={"Accept-Language": "zh-CN"}
                )
                if answer.status_code == 503:
                    turned_away.set()
                else:
                    signed_in.append(answer)
                return answer

            burst = [asyncio.create_task(sign_in()) for _ in range(BURST)]
            # A 503 means the bound is full: the admitted sign-ins are waiting for their check now.
            await asyncio.wait_for(turned_away.wait(), timeout=60)
            done_when_others_answered = []
            others = []
            for path in ("/api/v1/me", "/api/v1/areas"):
                others.append(await client.get(path, headers=headers))
                done_when_others_answered.append(len(signed_in))
            return await asyncio.gather(*burst), done_when_others_answered, others

    answers, done_when_others_answered, others = asyncio.run(run())

    assert [other.status_code for other in others] == [200, 200]
    statuses = sorted({answer.status_code for answer in answers})
    assert statuses == [200, 503], statuses
    signed_in = [answer for answer in answers if answer.status_code == 200]
    # The other requests did not wait for the sign-ins ahead of them.
    assert done_when_others_answered[-1] < len(signed_in), (done_when_others_answered, signed_in)
    for refused in (answer for answer in answers if answer.status_code == 503):
        assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        assert int(refused.headers["Retry-After"]) >= 1
        problem = refused.json()
        assert problem["type"].endswith("/sign-in-busy")
        assert problem["detail"] == f"当前登录人数过多，请在 {problem['retry_after']} 秒后重试"
    # Turned away before its password was looked at: nothing counted against the account.
    assert api.get("/api/v1/me", headers=station_staff.headers(api)).status_code == 200
