"""Local fake providers that speak each channel's real protocol (HTTP, SMPP 3.4, SMTP)."""
