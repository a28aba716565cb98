"""Plain-terminal front ends: everything the app does, without the full-screen UI."""
