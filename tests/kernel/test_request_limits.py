"""Oversized query strings answer 400 naming the parameter, in the API and on the pages,
before any view spends time on them (issue 12, item 3)."""

import pytest

from apps.kernel.request_limits import query_string_errors

pytestmark = pytest.mark.django_db

API = "/api/v1/events/ga-2025/"
LONG_Q = "x" * 60_000
MANY = "&".join(f"p{i}=1" for i in range(1000))


@pytest.mark.parametrize(
    ("path", "errors"),
    [
        (f"{API}sessions/?q={LONG_Q}", {"q": ["Too long: 60000 characters; at most 1000."]}),
        (f"{API}delegations/?q={LONG_Q}", {"q": ["Too long: 60000 characters; at most 1000."]}),
        (f"{API}changes/?since={'9' * 5000}", {"since": ["Too long: 5000 characters; at most 1000."]}),
        (f"{API}sessions/?{MANY}", {"query_string": ["Too many parameters: 1000; at most 100."]}),
        (f"{API}sessions/?{'k' * 101}=1", {"query_string": ["A parameter name is 101 characters long; at most 100."]}),
        ("/api/v1/nowhere/?q=" + LONG_Q, {"q": ["Too long: 60000 characters; at most 1000."]}),
    ],
)
def test_an_oversized_query_string_is_a_json_400_naming_the_parameter(api, event, path, errors):
    response = api.get(path)

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (f"q={'x' * 201}", {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
        ("since=" + "9" * 11, {"since": ["Enter a version number."]}),
        ("since=2147483648", {"since": ["Enter a version number."]}),
        ("since=-1", {"since": ["Enter a version number."]}),
        ("since=%C2%B2", {"since": ["Enter a version number."]}),
    ],
)
def test_a_search_or_version_out_of_its_field_bounds_is_a_400_naming_it(api, event, query, errors):
    path = f"{API}changes/?{query}" if query.startswith("since") else f"{API}sessions/?{query}"

    response = api.get(path)

    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})


def test_the_largest_version_number_is_read(api, event):
    response = api.get(f"{API}changes/?since=2147483647")

    assert (response.status_code, response.json()) == (
        200,
        {"since": 2147483647, "version": None, "changes": [], "next": None},
    )


def test_a_participant_search_of_a_page_is_bounded_by_its_form(client, personas):
    client.force_login(personas.organizer)

    response = client.get(f"/events/ga-2025/organize/participants/?q={'x' * 201}")

    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 201)." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        (f"q={LONG_Q}", "<li><code>q</code>: Too long: 60000 characters; at most 1000.</li>"),
        (MANY, "<li><code>query_string</code>: Too many parameters: 1000; at most 100.</li>"),
    ],
)
def test_an_oversized_query_string_is_the_bad_request_page_naming_the_parameter(client, personas, query, shown):
    client.force_login(personas.organizer)

    response = client.get(f"/events/ga-2025/organize/participants/?{query}")

    page = response.content.decode()
    assert (response.status_code, response["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert "<h1>Bad request</h1>" in page
    assert shown in page


def test_the_bad_request_page_is_in_the_visitors_language(client, event):
    response = client.get(f"/events/ga-2025/?q={LONG_Q}", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert '<html lang="fr" dir="ltr">' in response.content.decode()


def test_ordinary_query_strings_pass(api, event):
    response = api.get(f"{API}sessions/?q=plenary&kind=plenary&ordering=start&page=1&page_size=50")

    assert (response.status_code, response.json()) == (200, {"count": 0, "next": None, "previous": None, "results": []})


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("", {}),
        ("a=1&a=2&b=", {}),
        ("q=%C3%A9" * 1, {}),
        ("q=" + "%C3%A9" * 10, {}),
        ("q=" + "%C3%A9" * 11, {"q": ["Too long: 11 characters; at most 10."]}),
        ("a=1&b=2&c=3&d=4", {"query_string": ["Too many parameters: 4; at most 3."]}),
    ],
)
def test_lengths_count_decoded_characters_and_parameters_count_every_pair(query, errors):
    found = query_string_errors(query, max_parameters=3, max_name_length=5, max_value_length=10)

    assert found == errors


def test_too_many_form_fields_for_the_api_is_a_json_400(api):
    fields = "&".join(f"f{i}=1" for i in range(1001))

    response = api.post("/api/v1/auth/token/", fields, content_type="application/x-www-form-urlencoded")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Invalid input.", "errors": {"form": ["Too many fields: at most 1000."]}},
    )


def test_too_many_form_fields_for_a_page_is_the_bad_request_page(client):
    fields = "&".join(f"f{i}=1" for i in range(1001))

    response = client.post("/accounts/login/", fields, content_type="application/x-www-form-urlencoded")

    page = response.content.decode()
    assert (response.status_code, "<h1>Bad request</h1>" in page) == (400, True)
    assert "<li><code>form</code>: Too many fields: at most 1000.</li>" in page


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/events/", b'{"detail": "Bad request."}'), ("/events/", b"<p>This site cannot read the request.</p>")],
)
def test_other_requests_django_refuses_are_a_plain_400(client, settings, path, body):
    settings.ALLOWED_HOSTS = ["gaplanner.example"]

    response = client.get(path, HTTP_HOST="elsewhere.example")

    assert (response.status_code, body in response.content) == (400, True)
