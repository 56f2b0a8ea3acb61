"""Django's database session store, except that an update the database cannot take (read-only, restarting) is
logged and dropped rather than turning a page already served into an error. Outside the layers, like settings.

SessionLimitsMiddleware writes the last-seen time into the session once a minute: with a read-only database, the
save after the view failed and every page of every logged-in user became an error page. What is dropped is that
request's change to the session (the last-seen time); a new session (a login) or a logout still fails as it
should, and an update refused for another reason (the session was deleted meanwhile) too.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError

from parindex.register.outages import database_outage

logger = logging.getLogger(__name__)


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            outage = database_outage(error)
            if outage is None:
                raise
            logger.warning("session not saved: database %s (%s)", outage.value, error.__context__)
