"""Cross-cutting HTTP behaviour: request ids for logs and audit, no caching of private pages."""

import contextvars
import logging
import re
import uuid

from django.conf import settings

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_request: contextvars.ContextVar = contextvars.ContextVar("request", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def current_request():
    """The request being served, for code (signals, the audit log) that is not handed it."""
    return _request.get()


class RequestIdMiddleware:
    """Gives each request an id (kept from a trusted proxy's X-Request-ID when well-formed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a reverse proxy we sit behind may choose the id; a client's header is ignored.
        incoming = request.headers.get("X-Request-ID", "") if settings.SECURE_PROXY_SSL_HEADER else ""
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        request_token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class NoStoreMiddleware:
    """Pages seen by a signed-in user (or answered to an API token) must not be kept in any cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response
