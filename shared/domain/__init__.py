"""The domain: usage, priced usage, money, accounts, tenants and the pure rules over them. No I/O here."""
