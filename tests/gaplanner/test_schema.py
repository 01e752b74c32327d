import pytest


@pytest.mark.django_db
def test_openapi_schema_describes_the_public_api(api):
    response = api.get("/api/schema/?format=json")

    schema = response.json()
    assert (response.status_code, schema["openapi"][:2]) == (200, "3.")
    assert {
        "/api/v1/events/",
        "/api/v1/events/{slug}/",
        "/api/v1/events/{event_slug}/sessions/",
        "/api/v1/events/{event_slug}/sessions/{code}/",
    } <= set(schema["paths"])


@pytest.mark.django_db
def test_api_reference_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


@pytest.mark.django_db
def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert (response.status_code, response["Content-Type"]) == (404, "text/html; charset=utf-8")
