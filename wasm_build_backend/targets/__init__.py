"""Platforms: a target is a wheel platform tag; the host; emulators for other targets."""
