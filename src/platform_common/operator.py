"""kopf start-up shared by the controllers: progress kept in annotations under the component's own group,
no cluster-wide scanning, and the login taken from the same client configuration the handlers use."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kopf


def install_startup(annotation_prefix: str, load_client: Callable[[], Any], *, server_timeout: int = 60) -> None:
    """Register the start-up and login handlers once for this process's kopf registry."""

    @kopf.on.startup()
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=annotation_prefix)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=annotation_prefix)
        settings.posting.level = logging.INFO
        settings.watching.server_timeout = server_timeout
        settings.scanning.disabled = True  # the CRDs are known: no cluster-wide CRD/namespace lists

    @kopf.on.login()
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        load_client()  # loads the configuration the handlers use, so kopf's own connection matches it
        info: kopf.ConnectionInfo | None = kopf.login_via_client(**kwargs)
        return info
