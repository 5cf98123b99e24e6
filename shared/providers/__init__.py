"""Provider clients: the Admin/usage APIs TokenMeter reads from."""
