"""Login throttling per account and per address (django-axes' database handler, with a second limit).

django-axes counts failures for every combination in AXES_LOCKOUT_PARAMETERS and compares the largest count
with one AXES_FAILURE_LIMIT. Here the combinations are (username, address) — five failures lock that account
from that address — and the address alone, with its own, higher limit (AXES_ADDRESS_FAILURE_LIMIT): a password
sprayed over many user names from one address is locked out too, while a few colleagues behind one office NAT
who mistype their passwords are not. The address count is scaled onto the account limit, so that it reaches
AXES_FAILURE_LIMIT exactly when it reaches the address limit: floor(n * L / M) >= L if and only if n >= M.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


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
