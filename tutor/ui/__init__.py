"""The full-screen Textual front end.

``app.py`` the app (``create_app``); ``services.py`` what screens may ask of it;
``navigation.py`` every screen by name (help and the command palette read it);
``safe.py`` the one way to show untrusted text; ``screens/`` one screen per file;
``widgets/`` reusable widgets; ``lab/`` the live instruments.
"""
