"""The generated CRD of VmwareCloudFoundationMigration (structural, status subresource, printer columns)."""

from __future__ import annotations

from typing import Any

from platform_common.crdgen import crd, openapi_schema

from .models import GROUP, KIND, PLURAL, SHORT_NAME, VERSION, MigrationSpec, MigrationStatus

PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Current Phase", "type": "string", "jsonPath": ".status.currentPhase"},
    {"name": "Progress", "type": "integer", "jsonPath": ".status.progress"},
    {"name": "Mode", "type": "string", "jsonPath": ".spec.approvalMode", "priority": 1},
    {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def migration_crd() -> dict[str, Any]:
    document = crd(GROUP, VERSION, KIND, PLURAL, MigrationSpec, short_names=[SHORT_NAME],
                   printer_columns=PRINTER_COLUMNS, status_schema=openapi_schema(MigrationStatus))
    document["spec"]["names"]["categories"] = ["openshift", "migration"]
    root = document["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    root["x-kubernetes-validations"] = APPROVAL_RULES
    return document


# The API server itself refuses an approval for a phase that is not waiting (status.currentPhase) or done.
# The check runs only when spec.approvals changes (a transition rule), so the controller's status updates are
# never refused; a new object may approve at most Preflight.
_WAITING_OR_DONE = ("(has(self.status) && ((has(self.status.currentPhase) && p == self.status.currentPhase) || "
                    "(has(self.status.completedPhases) && p in self.status.completedPhases)))")
APPROVAL_RULES = [
    {
        "rule": "!has(self.spec.approvals) || (has(oldSelf.spec.approvals) && self.spec.approvals == "
                "oldSelf.spec.approvals) || self.spec.approvals.all(p, (has(oldSelf.spec.approvals) && p in "
                f"oldSelf.spec.approvals) || {_WAITING_OR_DONE})",
        "message": "spec.approvals may only add the phase that is waiting for approval (status.currentPhase)",
        "reason": "FieldValueForbidden",
        "fieldPath": ".spec.approvals",
    },
    {
        "rule": "has(self.status) || !has(self.spec.approvals) || self.spec.approvals.all(p, p == 'Preflight')",
        "message": "a new migration may approve only Preflight; approve later phases when they wait",
        "reason": "FieldValueForbidden",
        "fieldPath": ".spec.approvals",
    },
]
