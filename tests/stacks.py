"""For the stacks the tests run in subprocesses (the e2e portal, the export/restore round trip,
the lost-work worker): extra databases on the tests' PostgreSQL server, free ports, and a mail
server the test can read."""

from __future__ import annotations

import os
import socket

import psycopg
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def admin_connection(dbname: str = "postgres") -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


def recreate_database(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mailbox_create(connection: psycopg.Connection) -> None:
    """The table DatabaseMailbox writes to, in a stack's database."""
    connection.execute(
        "CREATE TABLE public.lost_work_mailbox (id bigserial PRIMARY KEY,"
        " recipient text NOT NULL, subject text NOT NULL)"
    )


class DatabaseMailbox(BaseEmailBackend):
    """A stack's mail server (EMAIL_BACKEND="tests.stacks.DatabaseMailbox"), readable from the
    test although the worker runs in another process (the locmem outbox is per process).

    Each message is a row written on the sender's own database connection: it is kept only if
    the sender's transaction commits, as if the mail server took part in it. A real SMTP server
    does not, which is why surveys.services.invitation_send marks the row before sending and
    only the commit follows the message. Every attempt, kept or rolled back, is also appended
    to the file MAILBOX_JOURNAL names, so that a test can count the attempts a kill cut short
    (those an SMTP server would have delivered twice)."""

    def send_messages(self, email_messages) -> int:
        from django.db import connection

        journal = os.environ.get("MAILBOX_JOURNAL")
        with connection.cursor() as cursor:
            for message in email_messages:
                for recipient in message.recipients():
                    cursor.execute(
                        "INSERT INTO public.lost_work_mailbox (recipient, subject) VALUES (%s, %s)",
                        [recipient, message.subject],
                    )
                    if journal:
                        with open(journal, "a", encoding="utf-8") as log:
                            log.write(recipient + "\n")
        return len(email_messages)
