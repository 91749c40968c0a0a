"""Real-browser tests of the dashboard (Playwright on Debian Chromium)."""
