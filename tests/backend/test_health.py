def test_healthz_says_the_process_is_alive(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_says_the_database_is_reachable_and_current(api):
    response = api.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
    assert response.json()["revision"]


def test_openapi_docs_are_served(api):
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    assert "/api/v1/auth/token" in paths
