"""Stateful emulators of the Google Admin SDK Directory API and Microsoft Graph (see README.md here)."""
