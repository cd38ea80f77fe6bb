"""Who may use each URL rule of the app, written by hand.

One line per rule and method. A route added to the app without a line here, or a line left
behind by a removed route, fails tests/test_route_matrix.py: access is decided on purpose.

Reading a line: ``staff(A, E, C, limited=C)`` lets admins, editors and coordinators in, and a
coordinator gets the 404 of an unknown id for ids outside their regions (an observer: for ids of
rounds not shared with it). Every other role gets 403, an anonymous visitor the login page.
``ok`` is the status of an allowed GET on the world's real ids (200 unless the page answers
that world with a documented redirect); an allowed POST must not answer 403, 404 or 5xx.
"""
from __future__ import annotations

from dataclasses import dataclass, field

A, E, AN, C, O = "admin", "editor", "analyst", "coordinator", "observer"
#: the dimension that limits each limited role, and the world's variant of ids outside it
OUT_OF_SCOPE = {C: "puno", O: "unshared"}


@dataclass(frozen=True)
class Expect:
    """Who may use one rule + method, and what an allowed request answers."""

    #: roles allowed (admins are listed like any role); None = public
    roles: tuple[str, ...] | None
    #: status of an allowed GET with real ids (anonymous visitors of a public page)
    ok: int = 200
    #: status of an allowed GET by a signed-in user, when it differs from *ok* (the login page)
    signed_in_ok: int | None = None
    #: roles answered 404 for ids outside their scope (see OUT_OF_SCOPE)
    limited: tuple[str, ...] = ()
    #: status for an unknown value of a placeholder, when it is not 404
    unknown: dict[str, int] = field(default_factory=dict)
    #: query string a GET needs to show its page
    query: str = ""

    @property
    def is_public(self) -> bool:
        """True for pages anyone may open."""
        return self.roles is None

    def allows(self, role: str | None) -> bool:
        """True if *role* (None: anonymous) may use the rule."""
        return self.is_public or role in (self.roles or ())

    def success(self, role: str | None) -> int:
        """The status an allowed GET answers *role*."""
        return self.signed_in_ok if role is not None and self.signed_in_ok is not None else self.ok


def staff(*roles: str, ok: int = 200, limited: str | tuple[str, ...] = (), unknown: dict[str, int] | None = None,
          query: str = "") -> Expect:
    """A page for signed-in *roles*."""
    return Expect(tuple(roles), ok=ok, limited=(limited,) if isinstance(limited, str) else limited,
                  unknown=unknown or {}, query=query)


def public(ok: int = 200, *, signed_in_ok: int | None = None) -> Expect:
    """A page for anyone."""
    return Expect(None, ok=ok, signed_in_ok=signed_in_ok)


EVERYONE = (A, E, AN, C, O)

EXPECTATIONS: dict[str, Expect] = {
    # public pages, the login and the language switch
    "GET /": public(),
    "GET /favicon.ico": public(),
    "GET /healthz": public(),
    "POST /lang": public(),
    "GET /login": public(signed_in_ok=302),          # a signed-in user goes to their start page
    "POST /login": public(signed_in_ok=302),
    "POST /logout": public(),
    "GET /q/<key>": public(),
    "GET /q/<key>/v<int:number>": public(),
    "GET /static/<path:filename>": public(),
    "GET /account/password": staff(*EVERYONE),
    "POST /account/password": staff(*EVERYONE),
    # the personal link: the token is the credential, whoever holds it
    "GET /r/<token>/": public(),
    "POST /r/<token>/autosave": public(),
    "GET /r/<token>/decline": public(),
    "POST /r/<token>/decline": public(),
    "GET /r/<token>/done": public(302),              # not submitted yet: back to the welcome page
    "GET /r/<token>/forward": public(),
    "POST /r/<token>/forward": public(),
    "GET /r/<token>/review": public(),
    "GET /r/<token>/s/<key>": public(),
    "POST /r/<token>/s/<key>": public(),
    "POST /r/<token>/s/<key>/evidence": public(),
    # a file that is not (or no longer) in this response: back to the section with a notice
    "POST /r/<token>/s/<key>/evidence/<int:file_id>/remove": Expect(None, unknown={"file_id": 303}),
    "POST /r/<token>/submit": public(),
    # a question staff queried, reopened alone (the world's answers are not queried: back to the welcome page)
    "GET /r/<token>/questions/<question_key>": public(303),
    "POST /r/<token>/questions/<question_key>": public(),
    # documents of a queried question (refused with a notice when no query reopened it: back to its page)
    "POST /r/<token>/questions/<question_key>/evidence": public(),
    "POST /r/<token>/questions/<question_key>/evidence/<int:file_id>/remove": Expect(None, unknown={"file_id": 303}),
    # the address the page stays at after attaching or removing: back to the question
    "GET /r/<token>/questions/<question_key>/evidence": public(303),
    "GET /r/<token>/questions/<question_key>/evidence/<int:file_id>/remove": Expect(None, ok=303,
                                                                                     unknown={"file_id": 303}),
    "POST /r/<token>/plausibility/<question_key>": public(),
    # accounts and the audit log
    "GET /admin/audit": staff(A),
    "GET /admin/users": staff(A),
    "GET /admin/users/new": staff(A),
    "POST /admin/users/new": staff(A),
    "GET /admin/users/<int:user_id>": staff(A),
    "POST /admin/users/<int:user_id>/deactivate": staff(A),
    "POST /admin/users/<int:user_id>/password": staff(A),
    "POST /admin/users/<int:user_id>/reactivate": staff(A),
    "POST /admin/users/<int:user_id>/role": staff(A),
    # questionnaires: editors change them, analysts read them
    "GET /builder/": staff(A, E, AN),
    "GET /builder/new": staff(A, E),
    "POST /builder/new": staff(A, E),
    "GET /builder/import": staff(A, E),
    "POST /builder/import": staff(A, E),
    "GET /builder/<key>": staff(A, E, AN),
    "GET /builder/<key>/diff": staff(A, E, AN, query="a=1&b=2"),
    "GET /builder/<key>/history": staff(A, E, AN),
    "GET /builder/<key>/v<int:number>/export.<fmt>": staff(A, E, AN),
    "GET /builder/<key>/v<int:number>/preview": staff(A, E, AN),
    "POST /builder/<key>/v<int:number>/preview": staff(A, E, AN),
    "POST /builder/<key>/versions": staff(A, E),
    "GET /builder/<key>/publish": staff(A, E),
    "POST /builder/<key>/publish": staff(A, E),
    "GET /builder/<key>/draft": staff(A, E),
    "POST /builder/<key>/draft/header": staff(A, E),
    "POST /builder/<key>/draft/move": staff(A, E),
    "POST /builder/<key>/draft/order": staff(A, E),
    "GET /builder/<key>/draft/sections/new": staff(A, E),
    "POST /builder/<key>/draft/sections/new": staff(A, E),
    "GET /builder/<key>/draft/sections/<section_key>": staff(A, E),
    "POST /builder/<key>/draft/sections/<section_key>": staff(A, E),
    "GET /builder/<key>/draft/sections/<section_key>/questions/new": staff(A, E),
    "POST /builder/<key>/draft/sections/<section_key>/questions/new": staff(A, E),
    "GET /builder/<key>/draft/questions/<question_key>": staff(A, E),
    "POST /builder/<key>/draft/questions/<question_key>": staff(A, E),
    "GET /builder/<key>/draft/<any(sections, questions):kind>/<item_key>/delete": staff(A, E),
    "POST /builder/<key>/draft/<any(sections, questions):kind>/<item_key>/delete": staff(A, E),
    # organisations: editors manage them, analysts read them
    "GET /organisations/": staff(A, E, AN),
    "GET /organisations/new": staff(A, E),
    "POST /organisations/new": staff(A, E),
    "GET /organisations/import": staff(A, E),
    "POST /organisations/import": staff(A, E),
    "GET /organisations/<int:organisation_id>": staff(A, E, AN),
    "POST /organisations/<int:organisation_id>": staff(A, E),
    "POST /organisations/<int:organisation_id>/active": staff(A, E),
    "POST /organisations/<int:organisation_id>/delete": staff(A, E),
    "POST /organisations/<int:organisation_id>/merge": staff(A, E),
    # rounds: editors run them, analysts read them, a coordinator invites the people of their regions
    "GET /rounds/": staff(A, E, AN, C),
    "GET /rounds/new": staff(A, E),
    "POST /rounds/new": staff(A, E),
    "GET /rounds/<int:round_id>": staff(A, E, AN, C),
    "GET /rounds/<int:round_id>/progress": staff(A, E, AN, C),
    "GET /rounds/<int:round_id>/edit": staff(A, E, ok=302),  # an open round is no longer edited
    "POST /rounds/<int:round_id>/edit": staff(A, E),
    "POST /rounds/<int:round_id>/open": staff(A, E),
    "POST /rounds/<int:round_id>/close": staff(A, E),
    "GET /rounds/<int:round_id>/version": staff(A, E),
    "POST /rounds/<int:round_id>/version": staff(A, E),
    "GET /rounds/<int:round_id>/invitations/new": staff(A, E, C),
    "POST /rounds/<int:round_id>/invitations/new": staff(A, E, C),
    "GET /rounds/<int:round_id>/invitations/upload": staff(A, E, C),
    "POST /rounds/<int:round_id>/invitations/upload": staff(A, E, C),
    # the key of an upload is bound to the round and to the user who uploaded it
    "GET /rounds/<int:round_id>/invitations/import/<key>": staff(A, E, C),
    "POST /rounds/<int:round_id>/invitations/import/<key>": staff(A, E, C, unknown={"key": 302}),
    "POST /rounds/<int:round_id>/invitations/<int:invitation_id>/revoke": staff(A, E, C, limited=C),
    "POST /rounds/<int:round_id>/invitations/<int:invitation_id>/reissue": staff(A, E, C, limited=C),
    "POST /rounds/<int:round_id>/invitations/<int:invitation_id>/focal-point": staff(A, E, C, limited=C),
    "GET /rounds/<int:round_id>/invitations/<int:invitation_id>/successor": staff(A, E, C, limited=C),
    "POST /rounds/<int:round_id>/invitations/<int:invitation_id>/successor": staff(A, E, C, limited=C),
    # a per-organisation round's team: a coordinator manages the teams with officials in their regions
    "GET /rounds/<int:round_id>/organisations/<int:organisation_id>/sections": staff(A, E, C, limited=C),
    "POST /rounds/<int:round_id>/organisations/<int:organisation_id>/sections": staff(A, E, C, limited=C),
    # e-mails: a coordinator reads and retries those of their regions
    "GET /outbox/": staff(A, E, C),
    "GET /outbox/<int:message_id>": staff(A, E, C, limited=C),
    "POST /outbox/<int:message_id>/retry": staff(A, E, C, limited=C),
    # verification: staff verify, contest or query answers within their regions; editors set the plausibility rule
    "GET /verification/rounds/<int:round_id>": staff(A, E, AN, C),
    "POST /verification/rounds/<int:round_id>/rule": staff(A, E),
    "GET /verification/rounds/<int:round_id>/invitations/<int:invitation_id>": staff(A, E, AN, C, limited=C),
    "POST /verification/rounds/<int:round_id>/invitations/<int:invitation_id>/<question_key>": staff(A, E, C, limited=C),
    # one person's data (Ley 29733)
    "GET /people/<int:invitation_id>": staff(A, E),
    "POST /people/<int:invitation_id>/export": staff(A, E),
    "POST /people/<int:invitation_id>/erase": staff(A, E),
    # results: everyone within their scope (an observer: shared rounds only, aggregated); workbooks: not observers
    "GET /results/": staff(A, E, AN, C, O),
    "GET /results/rounds/<int:round_id>": staff(A, E, AN, C, O, limited=O),
    "GET /results/rounds/<int:round_id>/exports": staff(A, E, AN, C),
    "POST /results/rounds/<int:round_id>/exports": staff(A, E, AN, C),
    # the annex and the fact sheets: as the workbook (a coordinator's cover their regions)
    "POST /results/rounds/<int:round_id>/documents": staff(A, E, AN, C),
    "POST /results/rounds/<int:round_id>/evidence": staff(A, E, AN, C),
    # a coordinator opens the workbooks of their regions only, not a national one
    "GET /results/exports/<int:export_id>": staff(A, E, AN, C, limited=C),
    "GET /results/exports/<int:export_id>/status": staff(A, E, AN, C, limited=C),
    "GET /results/exports/<int:export_id>/download": staff(A, E, AN, C, limited=C),
    # supporting documents officials attached: the answer's region decides
    "GET /evidence/<int:evidence_id>": staff(A, E, AN, C, limited=C),
    # public scorecards: editors review and publish; anyone reads the live snapshot (the world publishes rounds A and B)
    "GET /rounds/<int:round_id>/publication": staff(A, E),
    "POST /rounds/<int:round_id>/publication": staff(A, E),
    "POST /rounds/<int:round_id>/publication/withdraw": staff(A, E),
    "GET /p/<int:round_id>/": public(),
    "GET /p/<int:round_id>/data.csv": public(),
    "GET /p/<int:round_id>/data.json": public(),
    "GET /p/<int:round_id>/charts/<chart>.svg": public(),
}
