"""The HTTP API the dashboard reads (all under /v1)."""

import flask
import functions_framework
from werkzeug.wrappers import Response

from shared import bootstrap, logs

logs.configure()


@functions_framework.http
def api(request: flask.Request) -> Response:
    return bootstrap.api_app().handle(request)
