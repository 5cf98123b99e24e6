"""Who may do what, and keeping keys secret: ID-token verification, AES-256-GCM sealing, the key vault."""
