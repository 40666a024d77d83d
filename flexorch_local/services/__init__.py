"""Business logic, one module per API area; routes call these and nothing else."""
