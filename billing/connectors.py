"""Which connector serves a source, and the services that keep a source's settings and
secrets (docs/architecture.md "billing/").

The WHMCS secret and access key are stored encrypted (``trustsafety.crypto``, as mailbox
passwords are) and decrypted only to build the connector for one sync or one request.
"""

from __future__ import annotations

from django.db import transaction

from billing.connector.base import BillingConnector, PermanentConnectorError
from billing.connector.importfile import ImportConnector
from billing.connector.whmcs import WhmcsConnector
from billing.models import BillingSource
from trustsafety import crypto


def connector_for(source: BillingSource) -> BillingConnector:
    if source.kind == BillingSource.Kind.IMPORT:
        return ImportConnector(
            import_path=source.import_path,
            outbox_path=source.outbox_path,
            last_digest=source.last_digest,
        )
    if source.kind == BillingSource.Kind.WHMCS:
        try:
            secret = crypto.decrypt(source.secret_encrypted) if source.secret_encrypted else ""
            access_key = (
                crypto.decrypt(source.access_key_encrypted) if source.access_key_encrypted else ""
            )
        except crypto.DecryptionFailed as exc:
            raise PermanentConnectorError(str(exc)) from exc
        return WhmcsConnector(
            api_url=source.api_url,
            identifier=source.identifier,
            secret=secret,
            access_key=access_key,
            page_size=source.page_size,
            timeout=source.timeout_seconds,
            date_order=source.date_order,
        )
    raise PermanentConnectorError(f"unknown source kind {source.kind!r}")


@transaction.atomic
def source_create(
    *,
    name: str,
    kind: str,
    import_path: str = "",
    outbox_path: str = "",
    api_url: str = "",
    identifier: str = "",
    secret: str = "",
    access_key: str = "",
    sync_minutes: int = 60,
    date_order: str = "dmy",
) -> BillingSource:
    source = BillingSource(
        name=name,
        kind=kind,
        import_path=import_path,
        outbox_path=outbox_path,
        api_url=api_url,
        identifier=identifier,
        sync_minutes=sync_minutes,
        date_order=date_order,
    )
    source.full_clean(exclude=["secret_encrypted", "access_key_encrypted"])
    source.save()
    if secret or access_key:
        source_set_secrets(source=source, secret=secret or None, access_key=access_key or None)
    return source


@transaction.atomic
def source_set_secrets(
    *, source: BillingSource, secret: str | None = None, access_key: str | None = None
) -> None:
    """Store new WHMCS credentials, encrypted; None leaves one as it is, "" clears it."""
    updates: dict[str, bytes] = {}
    if secret is not None:
        updates["secret_encrypted"] = crypto.encrypt(secret) if secret else b""
    if access_key is not None:
        updates["access_key_encrypted"] = crypto.encrypt(access_key) if access_key else b""
    if updates:
        BillingSource.objects.filter(pk=source.pk).update(**updates)


def sources_reencrypt_secrets() -> int:
    """Re-encrypt every stored secret under the newest key (key rotation)."""
    done = 0
    for source in BillingSource.objects.all():
        updates = {
            field: crypto.reencrypt(getattr(source, field))
            for field in ("secret_encrypted", "access_key_encrypted")
            if getattr(source, field)
        }
        if updates:
            BillingSource.objects.filter(pk=source.pk).update(**updates)
            done += 1
    return done
