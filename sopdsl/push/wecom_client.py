"""wechatpy's WeCom client pointed at a configurable API base URL, with WeCom's errors mapped
to the push errors the runner understands."""

from __future__ import annotations

import time
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.work import WeChatClient

from sopdsl.push.target import CredentialsError, PushError, RejectedError, TransientError

TOKEN_ERRORS = frozenset((40001, 40014, 42001))  # invalid secret, invalid or expired token
# Bad corp id, missing token, secret reset, IP not allowed, no permission for the API.
CREDENTIAL_ERRORS = TOKEN_ERRORS | frozenset((40013, 41001, 40091, 60020, 48002))
# Frequency limits (45009 calls per window, 45011 too often, 45033 concurrent calls) and
# "system busy": WeCom asks us to wait.
RATE_ERRORS = frozenset((45009, 45011, 45033, -1))


class BaseUrlClient(WeChatClient):
    """A WeCom client whose every call, the token included, goes to `base_url`."""

    def __init__(self, corp_id: str, secret: str, base_url: str, timeout: float) -> None:
        # auto_retry off: a token error is retried once here, never in a loop.
        super().__init__(corp_id, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = base_url if base_url.endswith("/") else base_url + "/"

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch a token from the configured base URL (wechatpy hard-codes WeCom's host)."""
        res = self._http.get(self.API_BASE_URL + "gettoken", timeout=self.timeout,
                             params={"corpid": self.corp_id, "corpsecret": self.secret})
        result = res.json() if res.ok else {"errcode": None, "errmsg": None}
        if result.get("errcode", 0) != 0:
            # errcode None: an HTTP failure, told apart by the response's status
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                        request=res.request, response=res)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result


class WecomApi:
    """Calls WeCom and turns every failure into a `PushError`."""

    def __init__(self, client: BaseUrlClient, rate_limit_wait: float) -> None:
        self.client = client
        self.rate_limit_wait = rate_limit_wait

    def post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body to an endpoint, e.g. `externalcontact/add_msg_template`."""
        return self._call(lambda: self.client.post(endpoint, data=body))

    def get(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET an endpoint with query parameters (the token is added)."""
        return self._call(lambda: self.client.get(endpoint, params=dict(params)))

    def close(self) -> None:
        """Close the HTTP session wechatpy keeps."""
        self.client._http.close()

    def _call(self, request: Any) -> dict[str, Any]:
        try:
            try:
                return request()
            except WeChatClientException as error:
                if error.errcode not in TOKEN_ERRORS:
                    raise
                self.client.fetch_access_token()
                return request()
        except WeChatClientException as error:
            raise self._error(error) from error
        except requests.Timeout as error:
            raise TransientError(f"WeCom did not answer in {self.client.timeout:g}s") from error
        except requests.ConnectionError as error:
            raise TransientError(f"WeCom cannot be reached: {type(error).__name__}") from error
        except (requests.RequestException, ValueError) as error:
            raise TransientError(f"WeCom answered something unreadable: {error}") from error

    def _error(self, error: WeChatClientException) -> PushError:
        if error.errcode is None:
            return _http_error(error.response)
        message = f"WeCom error {error.errcode}: {error.errmsg}"
        if error.errcode in CREDENTIAL_ERRORS:
            return CredentialsError(message)
        if error.errcode in RATE_ERRORS:
            return TransientError(message, retry_after=self.rate_limit_wait)
        return RejectedError(message)


def _http_error(response: requests.Response | None) -> PushError:
    """An HTTP failure without a WeCom error code."""
    status = response.status_code if response is not None else None
    message = f"WeCom answered HTTP {status}"
    if status in (401, 403):
        return CredentialsError(message)
    if status is None or status >= 500 or status == 429:
        retry = response.headers.get("Retry-After") if response is not None else None
        return TransientError(message, retry_after=float(retry) if retry and
                              retry.isdigit() else None)
    return RejectedError(message)
