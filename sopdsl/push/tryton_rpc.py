"""A small client for Tryton's JSON-RPC: one session, calls to model methods, errors as push errors.

Tryton answers `POST /<database>/rpc/` with `{"result": ...}` or `{"error": [kind, args]}`;
sessions come from `common.db.login` and travel as `Authorization: Session base64(user:id:token)`.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sopdsl.push.target import CredentialsError, RejectedError, TransientError, address
from sopdsl.errors import SopdslError


class TrytonUserError(RejectedError):
    """Tryton refused a call for a reason that concerns the data (`UserError` and kin)."""


def encode_datetime(moment: dt.datetime) -> dict[str, Any]:
    """A datetime in Tryton's JSON encoding, as naive UTC (how Tryton stores datetimes)."""
    utc = moment.astimezone(dt.timezone.utc)
    return {"__class__": "datetime", "year": utc.year, "month": utc.month, "day": utc.day,
            "hour": utc.hour, "minute": utc.minute, "second": utc.second, "microsecond": 0}


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class TrytonClient:
    """A JSON-RPC session with one Tryton database, logged in on the first call."""

    def __init__(self, url: str, database: str, user: str, password: str,
                 timeout: float) -> None:
        import httpx

        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.server = f"{address(url, 'tryton').rstrip('/')}/{database}/rpc/"  # as shown
        self.user = user
        self._password = password
        self._http = httpx.Client(timeout=timeout)
        self._authorization: str | None = None
        self._ids = 0

    def call(self, method: str, *params: Any) -> Any:
        """The result of a method; logs in first, and again once when the session expired."""
        if self._authorization is None:
            self.login()
        try:
            return self._post(method, params, authorized=True)
        except _SessionExpired:
            self.login()
            try:
                return self._post(method, params, authorized=True)
            except _SessionExpired:
                raise CredentialsError(f"Tryton refused the session of `{self.user}` right "
                                       f"after logging in") from None

    def login(self) -> None:
        """Open a session (`CredentialsError` when Tryton refuses the user or password)."""
        self._authorization = None
        try:
            user_id, token, *_ = self._post(
                "common.db.login", (self.user, {"password": self._password}, "en"),
                authorized=False)
        except _SessionExpired:
            raise CredentialsError(f"Tryton refused the login of `{self.user}`: check the user "
                                   f"and password") from None
        session = f"{self.user}:{user_id}:{token}".encode()
        self._authorization = "Session " + base64.b64encode(session).decode()

    def close(self) -> None:
        """Release the connection."""
        self._http.close()

    def _post(self, method: str, params: tuple, *, authorized: bool) -> Any:
        import httpx

        self._ids += 1
        headers = {"Authorization": self._authorization} if authorized else {}
        body = {"id": self._ids, "method": method, "params": list(params)}
        try:
            response = self._http.post(self.endpoint, json=body, headers=headers)
        except httpx.TimeoutException:
            raise TransientError(f"Tryton did not answer `{method}` in time") from None
        except httpx.TransportError as error:
            raise TransientError(f"cannot reach Tryton at {self.server}: {error}") from None
        return self._result(method, response)

    def _result(self, method: str, response: Any) -> Any:
        status = response.status_code
        if status == 401:
            raise _SessionExpired
        if status == 403:
            raise CredentialsError(f"Tryton forbids `{self.user}` to call `{method}`")
        if status in (408, 429) or status >= 500:
            raise TransientError(f"Tryton answered {status} to `{method}`",
                                 _retry_after(response.headers.get("Retry-After")))
        if status != 200:
            raise RejectedError(f"Tryton answered {status} to `{method}`")
        try:
            answer = response.json()
        except ValueError:
            raise TransientError(f"Tryton answered `{method}` with something not JSON") from None
        if "error" in answer:
            raise _error(method, answer["error"])
        return answer.get("result")


class _SessionExpired(SopdslError):
    """Tryton answered 401: no session, an expired one, or a refused login."""


def _error(method: str, error: Any) -> Exception:
    """The push error for a JSON-RPC error answer."""
    kind, args = (error + [None, None])[:2] if isinstance(error, list) else (str(error), None)
    message = args[0] if isinstance(args, list) and args else args
    if kind == "ConcurrencyException":
        return TransientError(f"Tryton reported a concurrent change during `{method}`")
    if kind in ("UserError", "UserWarning"):
        return TrytonUserError(str(message or kind))
    if kind == "LoginException":
        return CredentialsError(f"Tryton asks for another login factor during `{method}`")
    return RejectedError(f"Tryton failed on `{method}`: {kind}")
