"""The OpenShift side: Infrastructure, cloud config, credentials, machines, operators, backups."""
