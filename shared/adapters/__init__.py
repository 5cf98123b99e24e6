"""Adapters: Firestore, Pub/Sub, Secret Manager and friends behind the ports in shared.ports."""
