"""The route inventory of the battery: every endpoint tagged by audience, object and sample URL.

Every URL rule of the app must appear in ROUTES (tests/battery/test_inventory.py enforces it), so a
new route cannot skip the access-control matrix, the CSRF matrix or the headers check.
`build_world` (tests/battery/world.py) creates real objects for company A and B plus the staff-side
objects; `sample_url` fills a route's ids with A's object, B's object or a missing id.

Audiences: public (anyone), anon (login/reset pages for visitors), account (any logged-in user),
member, staff (staff and admin), admin, static, dev. `fragment=True` marks htmx-only endpoints.
Owners of object ids: company (filtered on the member's company), user (the member's own rows),
creator (rows of the staff user who made them), global (staff-wide objects), public (slugs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, has_request_context, url_for

from tests.battery.world import (  # noqa: F401  (re-exported: the battery imports them from here)
    MISSING,
    MISSING_INT,
    MISSING_UUID,
    PASSWORD,
    STAFF_PASSWORD,
    World,
    build_world,
    changed_tables,
    count_rows,
    db_fingerprint,
    fetch,
    login_client,
    make_company,
    make_user,
)

AUDIENCES = {"public", "anon", "account", "member", "staff", "admin", "static", "dev"}
OWNERS = {None, "company", "user", "creator", "global", "public"}


@dataclass(frozen=True)
class Route:
    """One endpoint of the app as the battery sees it."""

    endpoint: str
    audience: str
    methods: tuple[str, ...]
    obj: str | None = None  # key into World.objects; fills the URL's id argument
    owner: str | None = None
    params: dict = field(default_factory=dict)  # fixed non-id URL arguments
    fragment: bool = False
    destructive: bool = False  # a successful POST removes or ends the object: run it last

    @property
    def mutating(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods if m in ("POST", "PUT", "PATCH", "DELETE"))


def _r(endpoint, audience, methods="GET", obj=None, owner=None, **kw) -> Route:
    return Route(endpoint, audience, tuple(methods.split(",")), obj, owner, **kw)


C, U, CR, G, P = "company", "user", "creator", "global", "public"
# fmt: off
ROUTES: tuple[Route, ...] = (
    # Public pages and visitor-only auth pages.
    _r("public.home", "public"),
    _r("privacy.statement", "public"),
    _r("static", "static", params={"filename": "portal.css"}),
    _r("directory.index", "public"),
    _r("directory.detail", "public", "GET", obj="slug", owner=P),
    _r("directory.badge_svg", "public", "GET", obj="slug", owner=P),
    _r("directory.logo", "public", "GET", obj="slug", owner=P),
    _r("directory.export_csv", "public"),
    _r("directory.export_json", "public"),
    _r("directory.map_json", "public"),
    _r("directory.about_scores", "public"),
    _r("ops.healthz", "public"),
    _r("ops.readyz", "public"),
    _r("ops.metrics", "public"),  # 404 without METRICS_TOKEN; a bearer token otherwise
    _r("complaints_public.form", "public", "GET", obj="slug", owner=P),
    _r("complaints_public.submit", "public", "POST", obj="slug", owner=P),
    _r("complaints_public.thanks", "public", "GET", obj="slug", owner=P),
    _r("complaints_public.status", "public", "GET", obj="token", owner=P),
    _r("complaints_public.survey", "public", "POST", obj="token", owner=P),
    _r("auth.login", "anon"),
    _r("auth.login_post", "anon", "POST"),
    _r("auth.code", "anon"),
    _r("auth.code_post", "anon", "POST"),
    _r("auth.forgot", "anon"),
    _r("auth.forgot_post", "anon", "POST"),
    _r("auth.reset", "anon", "GET", obj="token", owner=P),
    _r("auth.reset_post", "anon", "POST"),
    _r("auth.activate", "anon", "GET", obj="token", owner=P),
    _r("auth.activate_post", "anon", "POST"),
    _r("auth.email_confirm", "anon", "GET", obj="token", owner=P),
    _r("auth.email_confirm_post", "anon", "POST"),
    _r("auth.email_withdraw", "anon", "GET", obj="token", owner=P),
    _r("auth.email_withdraw_post", "anon", "POST"),
    _r("auth.sso_start", "anon", "POST"),  # 404 unless OIDC_ISSUER is set
    _r("auth.sso_callback", "anon"),
    _r("auth.passkey_login_options", "anon", "POST"),
    _r("auth.passkey_login", "anon", "POST"),
    _r("auth.passkey_step_options", "anon", "POST"),
    _r("auth.passkey_step", "anon", "POST"),
    # Any logged-in user.
    _r("auth.account", "account"),
    _r("auth.end_session", "account", "POST", obj="session", owner=U, destructive=True),
    _r("auth.mfa_setup", "account"),
    _r("auth.mfa_enable", "account", "POST"),
    _r("auth.mfa_disable", "account", "POST"),
    _r("auth.change_password", "account", "POST"),
    _r("auth.change_name", "account", "POST"),
    _r("auth.change_email", "account", "POST"),
    _r("auth.cancel_email_change", "account", "POST"),
    _r("auth.passkey_list", "account"),
    _r("auth.passkey_register_options", "account", "POST"),
    _r("auth.passkey_add", "account", "POST"),
    _r("auth.passkey_rename", "account", "POST", obj="passkey", owner=U),
    _r("auth.passkey_remove", "account", "POST", obj="passkey", owner=U, destructive=True),
    _r("auth.logout", "account", "POST", destructive=True),
    _r("privacy.mine", "account"),
    _r("privacy.export_html", "account"),
    _r("privacy.export_json", "account"),
    _r("privacy.export_csv", "account"),
    _r("privacy.customer_data", "member", params={"fmt": "json"}),
    _r("privacy.request_erasure", "account", "POST"),
    _r("privacy.request_right", "account", "POST"),
    # Members: mijn profiel and its features.
    _r("profile.dashboard", "member"),
    _r("profile.details", "member"),
    _r("profile.details_post", "member", "POST"),
    _r("profile.details_check", "member", "POST", params={"field_name": "postcode"}, fragment=True),
    _r("profile.colleagues", "member"),
    _r("profile.invite", "member", "POST"),
    _r("profile.change_role", "member", "POST", obj="colleague", owner=C),
    _r("profile.remove_confirm", "member", "GET", obj="colleague", owner=C),
    _r("profile.remove", "member", "POST", obj="colleague", owner=C, destructive=True),
    _r("profile.logo", "member"),
    _r("profile.messages", "member"),
    _r("profile.message", "member", "GET", obj="company_message", owner=C),
    _r("profile.logo_upload", "member", "POST"),
    _r("profile.logo_remove", "member", "POST"),
    _r("profile.opt_out", "member", "POST"),
    _r("reviews.show", "member"),
    _r("reviews.cancel_switch", "member", "POST"),
    _r("reviews.activate_confirm", "member"),
    _r("reviews.activate", "member", "POST"),
    _r("reviews.other_form", "member"),
    _r("reviews.other", "member", "POST"),
    _r("reviews.link_form", "member"),
    _r("reviews.link", "member", "POST"),
    _r("reviews.unlink_confirm", "member", "GET", obj="system", owner=C),
    _r("reviews.unlink", "member", "POST", obj="system", owner=C, destructive=True),
    _r("compliance_member.score_form", "member"),
    _r("compliance_member.submit_score", "member", "POST"),
    _r("complaints.index", "member"),
    _r("complaints.new", "member"),
    _r("complaints.create", "member", "POST"),
    _r("complaints.show", "member", "GET", obj="complaint", owner=C),
    _r("complaints.assign", "member", "POST", obj="complaint", owner=C),
    _r("complaints.edit", "member", "GET", obj="complaint", owner=C),
    _r("complaints.update", "member", "POST", obj="complaint", owner=C),
    _r("complaints.add_note", "member", "POST", obj="complaint", owner=C),
    _r("complaints.send_status_link", "member", "POST", obj="complaint", owner=C),
    _r("complaints.record_followup", "member", "POST", obj="complaint", owner=C),
    _r("complaints.letter_preview", "member", "GET", obj="complaint", owner=C, params={"kind": "acknowledgement"}),
    _r("complaints.letter_pdf", "member", "POST", obj="complaint", owner=C, params={"kind": "acknowledgement"}),
    _r("complaints.letter_send", "member", "POST", obj="complaint", owner=C, params={"kind": "acknowledgement"}),
    _r("complaints.act", "member", "POST", obj="complaint", owner=C, params={"action": "acknowledge"}),
    _r("complaints.from_review", "member", "POST", obj="review", owner=C),
    _r("complaints.kept_pdf", "member", "GET", obj="letter", owner=C),
    _r("complaints.attachment_add", "member", "POST", obj="complaint", owner=C),
    _r("complaints.attachment_download", "member", "GET", obj="attachment", owner=C),
    _r("complaints.attachment_remove", "member", "POST", obj="attachment", owner=C, destructive=True),
    _r("complaints.solution_add", "member", "POST", obj="complaint", owner=C),
    _r("complaints.solution_choose", "member", "POST", obj="solution", owner=C),
    _r("complaints.action_add", "member", "POST", obj="complaint", owner=C),
    _r("complaints.action_done", "member", "POST", obj="action", owner=C),
    _r("complaints.actions_index", "member"),
    _r("complaints.escalate", "member", "POST", obj="complaint", owner=C),
    _r("complaints.instruction_edit", "member"),
    _r("complaints.instruction_save", "member", "POST"),
    _r("complaints.instruction_reset", "member", "POST"),
    _r("complaints.instruction_pdf", "member"),
    _r("complaints.settings", "member"),
    _r("complaints.settings_post", "member", "POST"),
    _r("complaints.letter_template", "member", params={"kind": "interim"}),
    _r("complaints.letter_template_post", "member", "POST", params={"kind": "interim"}),
    _r("complaints.letter_template_reset", "member", "POST", params={"kind": "interim"}),
    _r("complaints.statistics", "member"),
    _r("complaints.help_page", "member"),
    _r("complaints.report_pdf", "member"),
    _r("complaints.export", "member", params={"fmt": "csv"}),
    _r("invitations.index", "member"),
    _r("invitations.upload", "member", "POST"),
    _r("invitations.detail", "member", "GET", obj="upload", owner=C),
    _r("invitations.confirm", "member", "POST", obj="upload", owner=C),
    _r("invitations.retry", "member", "POST", obj="upload", owner=C),
    _r("invitations.remove", "member", "POST", obj="upload", owner=C, destructive=True),
    _r("invitations.qr_png", "member"),
    _r("invitations.qr_svg", "member"),
    _r("agreements.show", "member"),
    _r("agreements.accept", "member", "POST"),
    _r("agreements.download", "member"),
    # Staff console (staff and admin).
    _r("staff_members.home", "staff"),
    _r("staff_outbox.index", "staff"),
    _r("staff_outbox.detail", "staff", "GET", obj="outbox", owner=G),
    _r("staff_outbox.retry", "admin", "POST", obj="outbox", owner=G),
    _r("staff_outbox.cancel", "admin", "POST", obj="outbox", owner=G, destructive=True),
    _r("staff_members.index", "staff"),
    _r("staff_members.detail", "staff", "GET", obj="company", owner=G),
    _r("staff_members.edit", "staff", "GET", obj="company", owner=G),
    _r("staff_members.edit_post", "staff", "POST", obj="company", owner=G),
    _r("staff_members.invite_beheerder", "staff", "POST", obj="company", owner=G),
    _r("staff_import.upload", "staff"),
    _r("staff_import.upload_post", "staff", "POST"),
    _r("staff_import.preview", "staff", "GET", obj="batch", owner=CR),
    _r("staff_import.confirm", "staff", "POST", obj="batch", owner=CR),
    _r("reviews_staff.requests", "staff"),
    _r("reviews_staff.provision_form", "staff", "GET", obj="pending_system", owner=G),
    _r("reviews_staff.provision", "staff", "POST", obj="pending_system", owner=G),
    _r("compliance.overview", "staff"),
    _r("compliance.queue", "staff"),
    _r("compliance.assess", "staff", "GET", obj="other_system", owner=G),
    _r("compliance.decide", "staff", "POST", obj="other_system", owner=G),
    _r("compliance.system_evidence", "staff", "GET", obj="other_system", owner=G),
    _r("compliance.export", "staff", params={"fmt": "csv"}),
    _r("compliance.export_excluded", "staff", params={"fmt": "csv"}),
    _r("compliance.templates", "staff"),
    _r("compliance.sent_reminders", "staff"),
    _r("compliance.edit_template", "staff", "GET", obj="template", owner=G),
    _r("compliance.update_template", "staff", "POST", obj="template", owner=G),
    _r("compliance.send_reminders", "staff", "POST"),
    _r("compliance.preview_reminders", "staff", "POST"),
    _r("compliance.member", "staff", "GET", obj="company", owner=G),
    _r("compliance.set_deadline", "staff", "POST", obj="company", owner=G),
    _r("compliance.sync_now", "staff", "POST", obj="company", owner=G),
    _r("compliance.summary", "staff"),
    _r("compliance.score", "staff", "GET", obj="score", owner=G),
    _r("compliance.decide_score", "staff", "POST", obj="score", owner=G),
    _r("compliance.score_evidence", "staff", "GET", obj="score", owner=G),
    _r("admin.audit_log", "staff"),
    _r("complaints_staff.index", "staff"),
    _r("privacy_staff.requests_list", "staff"),
    _r("privacy_staff.request_detail", "staff", "GET", obj="request", owner=G),
    _r("privacy_staff.request_close", "admin", "POST", obj="request", owner=G),
    _r("privacy_staff.request_extend", "staff", "POST", obj="request", owner=G),
    _r("privacy_staff.customers", "staff"),
    _r("privacy_staff.customer_search", "staff", "POST"),
    _r("privacy_staff.customer_export", "staff", "POST"),
    _r("privacy_staff.customer_erase", "staff", "POST"),
    _r("agreements_staff.index", "staff"),
    _r("agreements_staff.export", "staff"),
    _r("agreements_staff.version", "staff", "GET", obj="version", owner=G),
    # Admin only.
    _r("admin.settings", "admin"),
    _r("directory_admin.search_words", "admin"),
    _r("directory_admin.save_search_words", "admin", "POST"),
    _r("admin.save_settings", "admin", "POST"),
    _r("admin.specialisms", "admin"),
    _r("admin.add_specialism", "admin", "POST"),
    _r("admin.edit_specialism", "admin", "GET", obj="specialism", owner=G),
    _r("admin.update_specialism", "admin", "POST", obj="specialism", owner=G),
    _r("admin.staff_accounts_list", "admin"),
    _r("admin.create_staff_account", "admin", "POST"),
    _r("admin.change_staff_role", "admin", "POST", obj="staff_account", owner=G),
    _r("admin.deactivate_staff_confirm", "admin", "GET", obj="staff_account", owner=G),
    _r("admin.deactivate_staff", "admin", "POST", obj="staff_account", owner=G, destructive=True),
    _r("privacy_staff.register_page", "admin"),
    _r("privacy_staff.breaches", "admin"),
    _r("privacy_staff.breach_new", "admin"),
    _r("privacy_staff.breach_create", "admin", "POST"),
    _r("privacy_staff.breach_edit", "admin", "GET", obj="breach", owner=G),
    _r("privacy_staff.breach_save", "admin", "POST", obj="breach", owner=G),
    _r("agreements_staff.new", "admin"),
    _r("agreements_staff.create", "admin", "POST"),
    _r("agreements_staff.update", "admin", "POST", obj="version", owner=G),
    _r("agreements_staff.publish", "admin", "POST", obj="version", owner=G, destructive=True),
)
# fmt: on
BY_ENDPOINT = {route.endpoint: route for route in ROUTES}
ID_ARGS = {
    "slug": "slug",
    "token": "token",
    "session": "session_id",
    "passkey": "public_id",
    "colleague": "public_id",
    "system": "system_id",
    "complaint": "public_id",
    "review": "public_id",
    "letter": "public_id",
    "attachment": "public_id",
    "solution": "public_id",
    "action": "public_id",
    "upload": "upload_id",
    "company": "public_id",
    "batch": "batch_id",
    "pending_system": "system_id",
    "other_system": "system_id",
    "template": "key",
    "score": "score_id",
    "request": "request_id",
    "specialism": "slug",
    "breach": "breach_id",
    "version": "version_id",
    "staff_account": "public_id",
    "outbox": "message_id",
    "company_message": "message_id",
}


def app_endpoints(app) -> dict[str, set[str]]:
    """Endpoint -> methods (without HEAD/OPTIONS) for every URL rule of `app`."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def sample_url(route: Route, world: World | None = None, which: str = "a") -> str:
    """The route's URL with its id filled from `world` (A's, B's or a missing one)."""
    values = dict(route.params)
    if route.obj:
        values[ID_ARGS[route.obj]] = world.id_for(route.obj, which)
    if has_request_context():
        return url_for(route.endpoint, **values)
    with current_app.test_request_context():
        return url_for(route.endpoint, **values)
