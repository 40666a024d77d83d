"""HTTP layer: thin routes, auth/tenant/rate-limit dependencies, envelope and middleware."""
