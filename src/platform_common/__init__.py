"""What the platform's components share: CRD generation from models, YAML out, `make generate`'s
drift check, the Kubernetes client, kopf start-up and Prometheus metrics. No product is imported here."""
