"""Every page carries a Content-Security-Policy that allows no inline script or style, and no
page needs one: no inline <script>, no on* handler, no style attribute (issue 12, item 7)."""

import re

import pytest

from apps.delegations.models import Participant

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PUBLIC = ["/", "/events/ga-2025/", "/events/ga-2025/print/", "/events/ga-2025/sessions/PL-01/"]
PUBLIC += ["/events/ga-2025/rooms/{room}/", "/accounts/login/", "/accounts/email-link/", "/api/docs/"]
PUBLIC += ["/events/ga-2025/?q=" + "x" * 2000, "/events/nowhere/"]
STATUS = {"/": 302, "/events/ga-2025/?q=" + "x" * 2000: 400, "/events/nowhere/": 404}
PARTICIPANT = ["/events/ga-2025/me/", "/events/ga-2025/people/{member}/", "/events/ga-2025/me/reminders/"]
ORGANIZER = [
    "/events/ga-2025/organize/",
    "/events/ga-2025/organize/conflicts/",
    "/events/ga-2025/organize/publish/",
    "/events/ga-2025/organize/audit/",
    "/events/ga-2025/organize/participants/",
    "/events/ga-2025/organize/imports/",
    "/admin/",
    "/admin/programme/session/",
    "/admin/programme/session/add/",
    "/admin/delegations/participant/",
    "/admin/events/event/",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def policy(header: str) -> dict[str, list[str]]:
    """The directives of a Content-Security-Policy header, by name (their order means nothing)."""
    return {name: sources for name, *sources in (part.split() for part in header.split(";"))}


@pytest.fixture
def pages(personas, plenary, organizer_client):
    member = Participant.objects.get(user=personas.delegate)
    return {"room": plenary.pk, "member": member.pk}


def expected_status(path: str) -> int:
    return STATUS.get(path, 200)


@pytest.mark.parametrize(("who", "path"), [("anonymous", p) for p in PUBLIC] + [("head", p) for p in PARTICIPANT])
def test_every_page_has_the_policy_and_nothing_inline(client, personas, pages, who, path):
    if who == "head":
        client.force_login(personas.head)

    response = client.get(path.format(**pages))

    html = response.content.decode()
    assert (response.status_code, policy(response["Content-Security-Policy"])) == (expected_status(path), POLICY)
    assert (INLINE_SCRIPT.findall(html), HANDLER.findall(html), STYLE_ATTRIBUTE.findall(html)) == ([], [], [])


@pytest.mark.parametrize("path", ORGANIZER)
def test_every_organizer_and_admin_page_has_the_policy_and_nothing_inline(organizer_client, pages, path):
    response = organizer_client.get(path)

    html = response.content.decode()
    assert (response.status_code, policy(response["Content-Security-Policy"])) == (200, POLICY)
    assert (INLINE_SCRIPT.findall(html), HANDLER.findall(html), STYLE_ATTRIBUTE.findall(html)) == ([], [], [])


def test_the_api_reference_loads_its_start_up_script_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert '<script src="/api/docs/?script="></script>' in page
    assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_api_answers_carry_the_policy_too(api, event):
    response = api.get("/api/v1/events/ga-2025/")

    assert (response.status_code, policy(response["Content-Security-Policy"])) == (200, POLICY)
