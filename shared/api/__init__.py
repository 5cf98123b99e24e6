"""The HTTP API served by the api function (all under /v1, JSON, bearer token)."""
