"""Environment for starting the production settings in a subprocess: a strong secret and encryption keys
of their own (none of them used anywhere but these tests)."""

STRONG_KEY = "k3Y-for-the-production-settings-test-only-9f8e7d6c5b4a3210-ZyXwVuTs"
PRODUCTION_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "MbHfThi1eXVTQ6C6kTsZ8HHqvPXc6yRmEDHwq5iW7Cs=",
    "BLIND_INDEX_KEY": "blind-index-key-for-the-production-settings-test-42f1",
    "PDF_SIGNING_KEY_FILE": "/run/secrets/pdf-signing.key",
    "PDF_SIGNING_CERT_FILE": "/run/secrets/pdf-signing.crt",
}
