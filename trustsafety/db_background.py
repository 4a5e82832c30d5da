"""One statement of the current transaction, run by a helper thread.

The intake's filing alternates between Python work (building rows) and statements the
server spends a second on (opening ten thousand tickets). While the server works, the
worker's Python thread only waits. Sending such a statement from a helper thread lets the
caller build the next statement's data meanwhile: the wait releases the GIL, so the two
overlap on two cores.

The helper uses the caller's own connection, so the statement is part of the caller's
transaction. The caller must not touch the connection until ``result()`` returns; the
context manager joins the thread on every exit path, errors included."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection


class BackgroundStatement:
    """A statement running on this thread's database connection, in a helper thread."""

    def __init__(self, sql: str, params: Sequence[Any]) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._sql = sql
        self._params = params
        self._rows: list[tuple] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="db-background", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            # A client-side binding cursor, as Django's own: the statement is written for it.
            with psycopg.ClientCursor(self._raw) as cursor:
                cursor.execute(self._sql, self._params)
                self._rows = cursor.fetchall() if cursor.description else []
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> list[tuple]:
        """The statement's rows; its error, as Django raises database errors."""
        self.join()
        if self._error is not None:
            with connection.wrap_database_errors:
                raise self._error
        return self._rows


@contextmanager
def in_background(sql: str, params: Sequence[Any]) -> Iterator[BackgroundStatement]:
    statement = BackgroundStatement(sql, params)
    try:
        yield statement
    finally:
        statement.join()
