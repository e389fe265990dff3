"""vSphere access: pyvmomi (SOAP) for inventory and folders, the Automation REST API for tags; every call logged."""
