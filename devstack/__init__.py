"""Start and stop the local servers the pipelines run against: flexorch-local, a moto S3 server
and, when asked, a Prefect server. The README's main job and the test fixtures both use it, so
what a developer runs by hand is what the tests run."""

from devstack.processes import ManagedProcess, free_port
from devstack.stack import LocalStack, StackSettings

__all__ = ["LocalStack", "ManagedProcess", "StackSettings", "free_port"]
