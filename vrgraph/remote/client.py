"""HTTP for the remote stage: the client, its authentication, its time budget and its
errors, with the media types every request names. Standard library HTTP (``urllib``) only.

Every query and push goes through :func:`_exchange`: one timeout, the whole answer read, every
failure one :class:`EndpointError` (or ``QueryError``) line. Authentication: HTTP Basic
(https://www.rfc-editor.org/rfc/rfc7617) or Digest (https://www.rfc-editor.org/rfc/rfc7616),
whichever the store asks for, only to the endpoint's own server. Media types: those of the
SPARQL 1.1 Protocol's query operation, section 2.1
(https://www.w3.org/TR/sparql11-protocol/#query-operation).
"""

from __future__ import annotations

import http.client
import io
import netrc
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..errors import QueryError, VrgraphError

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
TURTLE = "text/turtle"
_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9, {TURTLE};q=0.8"
_GRAPH_FORMATS = {N_TRIPLES: ox.RdfFormat.N_TRIPLES, TURTLE: ox.RdfFormat.TURTLE}
_USER_AGENT = "vrgraph (SPARQL 1.1 Protocol client)"
PASSWORD_ENV = "VRGRAPH_PASSWORD"


class EndpointError(VrgraphError):
    """The endpoint cannot be reached, refuses a request or answers something unreadable."""


class IncompleteAnswer(VrgraphError):
    """The store answered part of what it holds (a result cap such as Virtuoso's
    ``ResultSetMaxRows``): a check failed, exit 1, never a cut answer read as whole."""

    exit_code = 1


# -- credentials -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP Basic or Digest authentication (whichever the
    store asks for; https://www.rfc-editor.org/rfc/rfc7617, rfc7616). The password is
    never shown: not in ``repr``, not in any message."""

    user: str
    password: str = field(repr=False)


def credentials(url: str, user: str | None = None,
                prompt: Callable[[str], str | None] | None = None) -> Credentials | None:
    """The credentials for ``url``: ``user`` with the password from ``$VRGRAPH_PASSWORD``
    or ``prompt(question)`` (the command line asks without echo); without ``user``, the
    machine's entry in ``~/.netrc`` (or ``$NETRC``), if any. Never from the command line."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None and prompt is not None:
            password = prompt(f"Password for {user} at {host}")
        if password is None:
            raise EndpointError(f"--user {user}: no password; set {PASSWORD_ENV} (or run "
                                f"in a terminal to be asked for it)")
        return Credentials(user, password)
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.exists(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except netrc.NetrcParseError as err:
        raise EndpointError(f"{err.filename}:{err.lineno}: unreadable netrc: {err.msg}") from None
    except OSError as err:
        raise EndpointError(f"{path}: cannot read the netrc file: {err.strerror}") from None
    return Credentials(entry[0], entry[2] or "") if entry and entry[0] else None


class _Rewind(urllib.request.BaseHandler):
    """Send a file body from its start every time: an authentication challenge (401)
    makes urllib send the same request again, after the first sending read the file."""

    handler_order = 100

    def http_request(self, request: urllib.request.Request) -> urllib.request.Request:
        if isinstance(request.data, io.IOBase):    # a file body (put_bytes)
            request.data.seek(0)
        return request

    https_request = http_request


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """HTTP Digest that, once challenged, answers the next requests up front. A store that
    refuses an unauthenticated request before reading its body (Virtuoso does) would cut
    the connection while a big push is still being sent, and the 401 never be read."""

    challenge: dict[str, str] | None = None

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> Any:
        _, challenge = auth.split(" ", 1)
        self.challenge = urllib.request.parse_keqv_list(
            [part for part in urllib.request.parse_http_list(challenge) if part])
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.challenge and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req

    https_request = http_request


class _Basic(urllib.request.HTTPBasicAuthHandler):
    """HTTP Basic that, once its answer to a challenge is taken (anything but 401, such as
    404 for a graph not yet there), sends it up front to that server, for the reason
    :class:`_Digest` gives. Never before a challenge: a Digest store would get the password
    in clear."""

    def retry_http_basic_auth(self, host: str, req: urllib.request.Request,
                              realm: str) -> Any:
        try:
            response = super().retry_http_basic_auth(host, req, realm)
        except urllib.error.HTTPError as err:
            if err.code != 401:
                self._taken(req)
            raise
        if response is not None and response.status != 401:
            self._taken(req)
        return response

    def _taken(self, req: urllib.request.Request) -> None:
        parts = urllib.parse.urlsplit(req.full_url)
        if isinstance(self.passwd, urllib.request.HTTPPasswordMgrWithPriorAuth):  # _opener's
            self.passwd.update_authenticated(f"{parts.scheme}://{parts.netloc}/", True)


def _opener(url: str, auth: Credentials | None) -> urllib.request.OpenerDirector:
    """An opener that answers Basic and Digest challenges with ``auth`` for ``url``'s
    server only (scheme, host and port), never for a server it is redirected to; after
    the first challenge, later requests carry their answer from the start."""
    handlers: list[urllib.request.BaseHandler] = [_Rewind()]
    if auth is not None:
        parts = urllib.parse.urlsplit(url)
        manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
        manager.add_password(None, f"{parts.scheme}://{parts.netloc}/", auth.user,
                             auth.password)
        handlers += [_Digest(manager), _Basic(manager)]
    return urllib.request.build_opener(*handlers)


# -- HTTP ----------------------------------------------------------------------------------------
def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"{what} {url!r} is not an http(s) URL "
                            f"(for Oxigraph: http://127.0.0.1:7878/query, .../store)")
    if "@" in parts.netloc:
        # a password there would be in the shell's history, `ps` and every message
        raise EndpointError(f"{what}: give credentials with --user or ~/.netrc, not in "
                            f"the URL")
    return url


def _exchange(request: urllib.request.Request, what: str, timeout: float,
              opener: urllib.request.OpenerDirector | None = None
              ) -> tuple[str, bytes, int, Any]:
    """Send ``request`` and read the whole answer: (content type, body, status, headers).
    Every failure becomes one :class:`EndpointError` (or :class:`QueryError`) line."""
    url = request.full_url
    try:
        with (opener or _opener(url, None)).open(request, timeout=timeout) as response:
            return (response.headers.get_content_type(), response.read(), response.status,
                    response.headers)
    except urllib.error.HTTPError as err:
        raise _http_error(err, what, url, request) from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
        why = getattr(reason, "strerror", None) or str(reason)
        raise EndpointError(f"{url}: cannot reach the endpoint: {why}; is the server "
                            f"running and the URL right?") from None
    except TimeoutError:
        raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
    except (http.client.HTTPException, OSError) as err:
        why = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise EndpointError(f"{url}: the connection failed during the {what}: {why}") from None


def _http_error(err: urllib.error.HTTPError, what: str, url: str,
                request: urllib.request.Request) -> VrgraphError:
    try:
        body = err.read(2000).decode("utf-8", "replace")
    except OSError:
        body = ""
    detail = " ".join(re.sub(r"<[^>]*>", " ", body).split())[:300] or err.reason
    status = f"HTTP {err.code} {err.reason}"
    if err.code == 400 and what == "query":
        return QueryError(f"{url} rejected the query: {detail}")
    if err.code == 401:
        host = urllib.parse.urlsplit(url).hostname
        if request.get_header("Authorization"):
            return EndpointError(f"{url}: the store refused the credentials ({status}); "
                                 f"check the user name and {PASSWORD_ENV} or ~/.netrc")
        return EndpointError(f"{url} needs credentials ({status}): give --user NAME (the "
                             f"password from {PASSWORD_ENV} or a prompt) or a ~/.netrc "
                             f"entry for {host}")
    if err.code in (401, 403, 405) and what == "push":
        return EndpointError(f"{url} refused to store the graph ({status}: {detail}); is the "
                             f"store read-only, or does it need credentials?")
    if err.code == 404:
        hint = ("the Graph Store endpoint, e.g. http://127.0.0.1:7878/store for Oxigraph"
                if what == "push" else
                "the SPARQL query endpoint, e.g. http://127.0.0.1:7878/query for Oxigraph")
        return EndpointError(f"{url}: not found ({status}: {detail}); give {hint}")
    return EndpointError(f"{url}: {what} failed ({status}: {detail})")


def _named(graph: str) -> ox.NamedNode:
    """``graph`` as an IRI, or one :class:`EndpointError` line."""
    try:
        return ox.NamedNode(graph)
    except ValueError as err:
        raise EndpointError(f"graph {graph!r} is not an IRI: {err}") from None
