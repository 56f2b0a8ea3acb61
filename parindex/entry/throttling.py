"""Login throttling per account and per address (django-axes' database handler, with a second limit).

django-axes counts failures for every combination in AXES_LOCKOUT_PARAMETERS and compares the largest count
with one AXES_FAILURE_LIMIT. Here the combinations are (username, address) — five failures lock that account
from that address — and the address alone, with its own, higher limit (AXES_ADDRESS_FAILURE_LIMIT): a password
sprayed over many user names from one address is locked out too, while a few colleagues behind one office NAT
who mistype their passwords are not. The address count is scaled onto the account limit, so that it reaches
AXES_FAILURE_LIMIT exactly when it reaches the address limit: floor(n * L / M) >= L if and only if n >= M.

The address is the client's, not a proxy's: `client_address` (AXES_CLIENT_IP_CALLABLE) reads X-Forwarded-For
from the right, trusting exactly TRUSTED_PROXY_COUNT proxies (the compose file's nginx is one), so a client cannot
choose its address by sending the header itself.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address of the client behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For.

    The chain is the header's addresses then REMOTE_ADDR (the last proxy); the client is the one before the
    trusted proxies. Anything further left was written by the client (or an untrusted hop) and is ignored. With
    fewer addresses than proxies (a request that bypassed them), the leftmost is taken."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    trusted = int(settings.TRUSTED_PROXY_COUNT)
    if trusted == 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part.strip() for part in header.split(",")]
    chain: list[str] = [address for address in forwarded if address] + ([remote] if remote else [])
    if not chain:
        return None
    return chain[-(trusted + 1)] if len(chain) > trusted else chain[0]


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(Sum("failures_since_start"))["failures_since_start__sum"] or 0)


class AccountAndAddressHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        account_limit = int(settings.AXES_FAILURE_LIMIT)
        address_limit = int(settings.AXES_ADDRESS_FAILURE_LIMIT)
        counts = []
        for parameter, attempts in zip(
            settings.AXES_LOCKOUT_PARAMETERS, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = _failures(attempts)
            if parameter == "ip_address":  # the address alone: its own limit, scaled onto the account limit
                failures = failures * account_limit // address_limit
            counts.append(failures)
        return max(counts, default=0)
