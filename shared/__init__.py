"""TokenMeter's shared package: domain, services and adapters used by every function."""
