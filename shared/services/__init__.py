"""Use cases. Each service depends only on the ports in shared.ports."""
