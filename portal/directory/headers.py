"""The ledenzoeker's cache headers: public pages briefly, shared caches only without session data."""

from __future__ import annotations

import hashlib

from flask import Response, g, request, session

PUBLIC_MAX_AGE = 60
# cache_headers, by whether shared caches may keep the response.
CACHE_CONTROL = {
    True: f"max-age={PUBLIC_MAX_AGE}, public",
    False: f"max-age={PUBLIC_MAX_AGE}, private",
}


def cache_headers(response: Response) -> Response:
    """Cache public pages briefly: shared caches only for responses without session data.

    Full pages carry the visitor's CSRF token, so only the browser may keep them; the results
    fragment and the exports are the same for everyone.
    """
    if request.method != "GET" or response.status_code != 200:
        return response
    shared = g.get("directory_shared_cache") and not session.modified
    if "Cache-Control" in response.headers:
        response.cache_control.max_age = PUBLIC_MAX_AGE
        if shared:
            response.cache_control.public = True
        else:
            response.cache_control.private = True
    else:  # what the updates above write when no view set the header (each parses it again)
        response.headers["Cache-Control"] = CACHE_CONTROL[bool(shared)]
    if not response.is_streamed:
        if "ETag" not in response.headers:  # werkzeug's add_etag: the body's SHA-1, quoted
            digest = hashlib.sha1(response.get_data(), usedforsecurity=False).hexdigest()
            response.headers["ETag"] = f'"{digest}"'
        environ = request.environ  # no conditional header: nothing to parse
        if ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ) and (
            request.if_none_match or request.if_modified_since
        ):
            response.make_conditional(request)
    return response
