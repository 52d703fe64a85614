"""Real-browser tests of the player pages (Playwright + Debian chromium)."""
