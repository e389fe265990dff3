# The four images of this repository, one target each (build from the repository root):
#   vcluster-pipeline      pipeline of the vcluster-orchestrator-v2 promise (entry point vcluster-platform-pipeline)
#   argocd-pipeline        pipeline of the argocd-project and argocd-application promises
#   migration-controller   the vSphere migration controller
#   status-reconciler      the live-status reconciler of VClusterOrchestratorV2 requests
#
# The build installs from a wheelhouse made on the build host (`make wheelhouse`: our wheel plus every pinned
# dependency from the lock files), so the image build itself never reaches a package index and installs
# exactly the locked versions:
#   make wheelhouse && docker build --target vcluster-pipeline -t <registry>/vcluster-platform-pipeline:<tag> .
# BASE_IMAGE is any Debian-like image with CPython 3.11 at /usr/local/bin/python; the default is the pinned public
# image, `make images` passes one built here from Debian's packages (tools/images/base.sh).
# Every image runs as uid 65532 and works with readOnlyRootFilesystem: true (bytecode is compiled at build time).
ARG BASE_IMAGE=python:3.11.11-slim-bookworm

FROM ${BASE_IMAGE} AS venv-base
COPY build/wheelhouse /wheels
COPY requirements-runtime.lock requirements.lock /locks/
COPY tools/images/install-venv.sh /usr/local/bin/

FROM venv-base AS pipeline-venv
RUN install-venv.sh /locks/requirements-runtime.lock platform-automation

FROM venv-base AS controller-venv
RUN install-venv.sh /locks/requirements.lock 'platform-automation[migration]'

FROM venv-base AS status-venv
RUN install-venv.sh /locks/requirements.lock 'platform-automation[status]'

FROM ${BASE_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYDANTIC_DISABLE_PLUGINS=1
USER 65532:65532

FROM runtime AS vcluster-pipeline
COPY --from=pipeline-venv /opt/venv /opt/venv
ENTRYPOINT ["vcluster-platform-pipeline"]

FROM runtime AS argocd-pipeline
COPY --from=pipeline-venv /opt/venv /opt/venv
ENTRYPOINT ["argocd-promise-pipeline"]

FROM runtime AS migration-controller
COPY --from=controller-venv /opt/venv /opt/venv
ENTRYPOINT ["vsphere-migration-controller"]

FROM runtime AS status-reconciler
COPY --from=status-venv /opt/venv /opt/venv
ENTRYPOINT ["vcluster-status-reconciler"]
