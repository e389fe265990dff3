"""A vCenter session: pyvmomi for SOAP (inventory, folders, VMs) and the Automation REST API for tags.

TLS verification is on unless the migration explicitly disables it; a CA bundle (PEM) may be given. Every SOAP
method, property read and REST request goes through the call log. Use as a context manager: the SOAP session
and the REST session are logged out on exit.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pyVim import connect
from pyVmomi import vim, vmodl

from .calllog import CallLog, summarize_arguments, summarize_value

TASK_WAIT = 5.0  # seconds a step waits for a vCenter task before it requeues


class VSphereError(Exception):
    """A vSphere call failed; the message names the server and the call, never credentials."""


class TaskStillRunning(VSphereError):
    """A vCenter task has not finished yet: the step runs again on a later reconcile."""


@dataclass(frozen=True)
class Endpoint:
    server: str
    port: int = 443
    ca_bundle_pem: str | None = None
    insecure: bool = False

    def ssl_context(self) -> ssl.SSLContext:
        if self.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca_bundle_pem:
            return ssl.create_default_context(cadata=self.ca_bundle_pem)
        return ssl.create_default_context()

    @property
    def address(self) -> str:
        return self.server if self.port == 443 else f"{self.server}:{self.port}"


def _instrument(stub: Any, endpoint: Endpoint, log: CallLog) -> None:
    """Route every SOAP request of the stub (methods and property reads alike) through the call log."""

    def logged(call: Callable[..., Any], describe: Callable[..., tuple[str, str]]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            method, detail = describe(*args)
            start = time.monotonic()
            try:
                result = call(*args)
            except Exception as exc:
                log.record(endpoint.address, "soap", method, time.monotonic() - start,
                           f"fault: {type(exc).__name__}: {getattr(exc, 'msg', '') or exc}", detail)
                raise
            log.record(endpoint.address, "soap", method, time.monotonic() - start, "ok",
                       f"{detail} -> {summarize_value(result)}")
            return result
        return wrapper

    def method_call(mo: Any, info: Any, args: Any) -> tuple[str, str]:
        names = [p.name for p in info.params]
        return f"{type(mo).__name__}.{info.name}", f"{summarize_value(mo)}({summarize_arguments(names, list(args))})"

    stub.InvokeMethod = logged(stub.InvokeMethod, method_call)


def object_type(obj: Any) -> str:
    """The vSphere type name of a managed object (e.g. Datacenter), as the tagging API names it."""
    return type(obj).__name__.split(".")[-1]


class VSphereClient:
    """One logged-in vCenter session (SOAP and REST)."""

    def __init__(self, endpoint: Endpoint, username: str, password: str, log: CallLog) -> None:
        self.endpoint, self.log = endpoint, log
        self._username, self._password = username, password
        log.register_secret(password)
        self._rest_session: str | None = None
        self.content: Any = None
        self._stub: Any = None

    # --- session ------------------------------------------------------------------------------------------

    def __enter__(self) -> VSphereClient:
        self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    def login(self) -> None:
        context = self.endpoint.ssl_context()
        start = time.monotonic()
        try:
            self._stub = connect.SmartStubAdapter(  # type: ignore[no-untyped-call]
                host=self.endpoint.server, port=self.endpoint.port, sslContext=context, connectionPoolTimeout=-1)
        except Exception as exc:
            self.log.record(self.endpoint.address, "soap", "negotiate API version", time.monotonic() - start,
                            f"error: {type(exc).__name__}", str(exc))
            raise VSphereError(f"cannot reach vCenter {self.endpoint.address}: {exc}") from None
        self.log.record(self.endpoint.address, "soap", "negotiate API version", time.monotonic() - start, "ok",
                        getattr(self._stub, "version", ""))
        _instrument(self._stub, self.endpoint, self.log)
        instance = vim.ServiceInstance("ServiceInstance", self._stub)  # type: ignore[no-untyped-call]
        self.content = instance.RetrieveContent()
        try:
            self.content.sessionManager.Login(self._username, self._password)
        except vim.fault.InvalidLogin:
            raise VSphereError(f"vCenter {self.endpoint.address} refused the login of user {self._username!r}") \
                from None
        self.log.register_secret(getattr(self._stub, "cookie", None))

    def logout(self) -> None:
        if self._rest_session:
            with contextlib.suppress(VSphereError):
                self._rest("DELETE", "/rest/com/vmware/cis/session")
            self._rest_session = None
        if self.content is not None:
            with contextlib.suppress(Exception):  # logging out of a dead session is not an error
                self.content.sessionManager.Logout()
            self.content = None

    # --- inventory (SOAP) ---------------------------------------------------------------------------------

    def find(self, path: str) -> Any:
        """The managed object at an inventory path such as /DC0/host/C0, or None."""
        return self.content.searchIndex.FindByInventoryPath(path.rstrip("/"))

    def require(self, path: str, kind: type, what: str) -> Any:
        found = self.find(path)
        if found is None:
            raise VSphereError(f"{what} {path} does not exist on vCenter {self.endpoint.address}")
        if not isinstance(found, kind):
            raise VSphereError(f"{what} {path} on vCenter {self.endpoint.address} is a "
                               f"{type(found).__name__}, not a {kind.__name__}")
        return found

    def datacenter(self, name: str) -> Any:
        return self.require(f"/{name}", vim.Datacenter, "datacenter")

    def session_user(self) -> str:
        """The logged-in user as vCenter names it in permissions (e.g. VSPHERE.LOCAL\\migrator)."""
        return str(self.content.sessionManager.currentSession.userName)

    def granted_privileges(self, entities: list[Any], privileges: list[str]) -> dict[str, set[str]]:
        """moId → the privileges among `privileges` the logged-in user holds on that entity, from vCenter's own
        check (AuthorizationManager.HasUserPrivilegeOnEntities)."""
        answer = self.content.authorizationManager.HasUserPrivilegeOnEntities(
            entities, self.session_user(), privileges)
        return {item.entity._moId: {p.privId for p in item.privAvailability if p.isGranted} for item in answer}

    def ensure_folder(self, path: str) -> tuple[Any, bool]:
        """The VM folder at `path` (/<dc>/vm/a/b), created with its parents if missing; (folder, created)."""
        existing = self.find(path)
        if existing is not None:
            if not isinstance(existing, vim.Folder):
                raise VSphereError(f"{path} on vCenter {self.endpoint.address} exists and is not a folder")
            return existing, False
        parent_path, _, name = path.rstrip("/").rpartition("/")
        parent, _ = self.ensure_folder(parent_path) if parent_path.count("/") > 2 else (
            self.require(parent_path, vim.Folder, "folder"), False)
        try:
            return parent.CreateFolder(name), True
        except vim.fault.DuplicateName:
            return self.require(path, vim.Folder, "folder"), False

    def delete_folder_if_empty(self, path: str) -> bool:
        folder = self.find(path)
        if folder is None:
            return False
        if list(folder.childEntity):
            raise VSphereError(f"folder {path} on vCenter {self.endpoint.address} is not empty; left in place")
        self.wait(folder.Destroy_Task())
        return True

    def wait(self, task: Any, timeout: float = TASK_WAIT) -> Any:
        """The task's result once it finished; a task still running after `timeout` seconds raises
        TaskStillRunning, which requeues the phase step (no reconcile blocks for long; steps are idempotent)."""
        deadline = time.monotonic() + timeout
        while task.info.state in (vim.TaskInfo.State.queued, vim.TaskInfo.State.running):
            if time.monotonic() > deadline:
                raise TaskStillRunning(f"vCenter task {task._moId} on {self.endpoint.address} is still running")
            time.sleep(0.2)
        if task.info.state == vim.TaskInfo.State.error:
            fault = task.info.error
            raise VSphereError(f"task {task._moId} on {self.endpoint.address} failed: "
                               f"{getattr(fault, 'msg', '') or type(fault).__name__}")
        return task.info.result

    # --- tags (REST) --------------------------------------------------------------------------------------

    def _rest(self, method: str, path: str, body: Any = None, *, basic_auth: str | None = None,
              missing_ok: bool = False) -> Any:
        """One Automation REST call; with missing_ok, a 404 (the object is already gone) returns None."""
        if self._rest_session is None and basic_auth is None:
            self._rest_login()
        headers = {"Accept": "application/json"}
        if basic_auth:
            headers["Authorization"] = basic_auth
        elif self._rest_session:
            headers["vmware-api-session-id"] = self._rest_session
        payload = json.dumps(body).encode() if body is not None else None
        if payload is not None:
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPSConnection(self.endpoint.server, self.endpoint.port,
                                                 context=self.endpoint.ssl_context(), timeout=60)
        start = time.monotonic()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        except OSError as exc:
            self.log.record(self.endpoint.address, "rest", f"{method} {path}", time.monotonic() - start,
                            f"error: {exc}", "")
            raise VSphereError(f"REST {method} {path} on {self.endpoint.address}: {exc}") from None
        finally:
            connection.close()
        request_detail = json.dumps(body, sort_keys=True) if body is not None else ""
        self.log.record(self.endpoint.address, "rest", f"{method} {path}", time.monotonic() - start,
                        f"HTTP {response.status}", request_detail)
        if response.status == 404 and missing_ok:
            return None
        if response.status >= 300:
            raise VSphereError(f"REST {method} {path} on {self.endpoint.address}: HTTP {response.status} "
                               f"{self.log.redact(text[:200])}")
        return json.loads(text).get("value") if text else None

    def _rest_login(self) -> None:
        import base64

        token = base64.b64encode(f"{self._username}:{self._password}".encode()).decode()
        self.log.register_secret(token)
        session = self._rest("POST", "/rest/com/vmware/cis/session", basic_auth=f"Basic {token}")
        self._rest_session = str(session)
        self.log.register_secret(self._rest_session)

    def categories(self) -> dict[str, dict[str, Any]]:
        """Every tag category by name (id, name, cardinality, associable_types): one listing, one read each."""
        found = {}
        for category_id in self._rest("GET", "/rest/com/vmware/cis/tagging/category") or []:
            info = self._rest("GET", f"/rest/com/vmware/cis/tagging/category/id:{quote(category_id)}")
            found[str(info["name"])] = dict(info)
        return found

    def find_category(self, name: str) -> str | None:
        info = self.categories().get(name)
        return str(info["id"]) if info else None

    def create_category(self, name: str, associable_types: list[str], description: str) -> str:
        spec = {"create_spec": {"name": name, "description": description, "cardinality": "SINGLE",
                                "associable_types": associable_types}}
        return str(self._rest("POST", "/rest/com/vmware/cis/tagging/category", spec))

    def tags_in(self, category_id: str) -> dict[str, str]:
        """The category's tags, name → id."""
        path = f"/rest/com/vmware/cis/tagging/tag/id:{quote(category_id)}?~action=list-tags-for-category"
        found = {}
        for tag_id in self._rest("POST", path) or []:
            found[str(self._rest("GET", f"/rest/com/vmware/cis/tagging/tag/id:{quote(tag_id)}")["name"])] = tag_id
        return found

    def find_tag(self, name: str, category_id: str) -> str | None:
        return self.tags_in(category_id).get(name)

    def create_tag(self, name: str, category_id: str, description: str) -> str:
        spec = {"create_spec": {"name": name, "description": description, "category_id": category_id}}
        return str(self._rest("POST", "/rest/com/vmware/cis/tagging/tag", spec))

    def attach_tag(self, tag_id: str, obj: Any, *, checked: bool = False) -> bool:
        """Attach unless already attached (`checked`: the caller has just looked); True when attached now."""
        if not checked and tag_id in self.attached_tags(obj):
            return False
        ref = {"object_id": {"id": obj._moId, "type": object_type(obj)}}
        self._rest("POST", f"/rest/com/vmware/cis/tagging/tag-association/id:{quote(tag_id)}?~action=attach", ref)
        return True

    def attached_tags(self, obj: Any) -> list[str]:
        return self.attached_tag_ids(object_type(obj), obj._moId)

    def attached_tag_ids(self, object_type: str, object_id: str) -> list[str]:
        ref = {"object_id": {"id": object_id, "type": object_type}}
        return list(self._rest("POST", "/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags",
                               ref) or [])

    # Removals are idempotent: a rollback step repeated after a kill finds some of them already done.

    def detach_tag(self, tag_id: str, object_type: str, object_id: str) -> None:
        ref = {"object_id": {"id": object_id, "type": object_type}}
        self._rest("POST", f"/rest/com/vmware/cis/tagging/tag-association/id:{quote(tag_id)}?~action=detach", ref,
                   missing_ok=True)

    def delete_tag(self, tag_id: str) -> None:
        self._rest("DELETE", f"/rest/com/vmware/cis/tagging/tag/id:{quote(tag_id)}", missing_ok=True)

    def delete_category(self, category_id: str) -> None:
        self._rest("DELETE", f"/rest/com/vmware/cis/tagging/category/id:{quote(category_id)}", missing_ok=True)


__all__ = ["Endpoint", "VSphereClient", "VSphereError", "vim", "vmodl"]
