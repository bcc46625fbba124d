"""Multipart text fields decoded as strict UTF-8, like query strings and urlencoded bodies.

werkzeug decodes a multipart text field with errors="replace": a byte that is not UTF-8 became
U+FFFD and the request went on with text nobody typed. `utf8_request` makes the app's request
class parse text fields as latin-1 (lossless: one character per byte) and decode them again as
strict UTF-8; a field that is not UTF-8 raises `NotUtf8` (a 400), which `portal.core.security`
answers with the 400 page.
File parts stay bytes and are never decoded. A charset a part declares is ignored: the portal's
pages are UTF-8, and so is what their forms send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from flask import Request
from werkzeug.datastructures import FileStorage, Headers, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser, MultiPartParser


class NotUtf8(BadRequest):
    """A multipart text field holds bytes that are not UTF-8 (not a ValueError, which werkzeug
    would swallow into an empty form)."""


class _BytesAsLatin1(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        return "latin-1"


class Utf8FormDataParser(FormDataParser):
    """werkzeug's parser, with multipart text fields decoded as strict UTF-8."""

    def _parse_multipart(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, FileStorage]]:
        parser = _BytesAsLatin1(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        try:
            fields = [
                (name, value.encode("latin-1").decode("utf-8"))
                for name, value in form.items(multi=True)
            ]
        except UnicodeError:
            raise NotUtf8() from None
        return stream, self.cls(fields), files


class QuickMissArgs(ImmutableMultiDict):
    """werkzeug's ImmutableMultiDict (request.args and request.form) whose `get` answers a
    missing key directly: werkzeug's raises a BadRequestKeyError (an HTTP exception, costly to
    make) and catches it, and most requests ask for several parameters they do not carry."""

    def get(self, key: Any, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:  # type: ignore[override]  # werkzeug's overloads, one signature
        if key not in self:
            return default
        if type is None:
            return super().get(key, default)
        return super().get(key, default, type)


def utf8_request(base: type[Request]) -> type[Request]:
    """The app's request class (`base`, e.g. htmx-flask's) with `Utf8FormDataParser`, and
    `QuickMissArgs` for its arguments and form fields."""
    return type(
        "Utf8Request",
        (base,),
        {"form_data_parser_class": Utf8FormDataParser, "parameter_storage_class": QuickMissArgs},
    )
