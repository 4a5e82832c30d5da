"""Statements of the current transaction, run in order by a helper thread.

The intake's filing alternates between Python work (building rows) and statements the
server spends a second on (opening or updating ten thousand tickets). While the server
works, the worker's Python thread only waits. Sending such statements from a helper thread
lets the caller build the next statement's data meanwhile: the wait releases the GIL, so
the two overlap on two cores.

The helper uses the caller's own connection, so the statements are part of the caller's
transaction. The caller must not touch the connection until ``results()`` returns; the
context manager joins the thread on every exit path, errors included. A statement that
fails stops the ones after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

Statement = tuple[str, Sequence[Any]]  # (sql, params)


class BackgroundStatements:
    """Statements running on this thread's database connection, in a helper thread."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._statements = statements
        self._rows: list[list[tuple]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="db-background", daemon=True)
        if statements:
            self._thread.start()

    def _run(self) -> None:
        # All in one round trip: the helper needs the GIL again each time a reply arrives,
        # and while the caller's thread is busy it gets it only every few milliseconds.
        # A client-side binding cursor, as Django's own (the statements are written for
        # it), sends several statements in one query.
        sql = ";\n".join(statement for statement, _ in self._statements)
        params = [param for _, statement_params in self._statements for param in statement_params]
        try:
            with psycopg.ClientCursor(self._raw) as cursor:
                cursor.execute(sql, params)
                while True:
                    self._rows.append(cursor.fetchall() if cursor.description else [])
                    if not cursor.nextset():
                        break
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in results()
            self._error = exc

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    def results(self) -> list[list[tuple]]:
        """Each statement's rows, in order; an error as Django raises database errors."""
        self.join()
        if self._error is not None:
            with connection.wrap_database_errors:
                raise self._error
        return self._rows


@contextmanager
def in_background(statements: Sequence[Statement]) -> Iterator[BackgroundStatements]:
    running = BackgroundStatements(statements)
    try:
        yield running
    finally:
        running.join()
