"""The certification app's admin: certifications, remote-care filings, the platform outbox."""

from certification.admin import certifications, platform, remote

__all__ = ["certifications", "platform", "remote"]
