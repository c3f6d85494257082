"""Signing in to the admin in the browser, as every admin flow starts."""

PASSWORD = "S3cure-pass-2026"  # UserFactory's


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
