"""vSphere migration controller: moves an OpenShift cluster from one vCenter to another in 15 phases."""
