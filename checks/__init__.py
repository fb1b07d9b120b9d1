"""One module per check, named after its id (hyphens become underscores)."""
