"""The HTTP API the dashboard reads (all under /v1)."""

import flask
import functions_framework
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from shared import bootstrap

bootstrap.start_process()


@functions_framework.http
def api(request: flask.Request) -> Response:
    return bootstrap.api_app().handle(request)


def framework_error(exc: HTTPException) -> Response:
    """What the framework answers before the function runs (a path its router cannot match, such as one
    holding %0A) is our JSON error too, never an HTML page."""
    from shared.api.app import http_error_response

    return http_error_response(exc)


functions_framework.errorhandler(HTTPException)(framework_error)
