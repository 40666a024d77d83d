"""One module per API area; each builds requests and parses models, nothing more."""
