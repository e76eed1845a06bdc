"""The desk's login page, a small standalone HTML page in the desk's language.

It stands alone (no Fava layout) because it is what a person sees before
anything of the book may be shown to them.
"""

from __future__ import annotations

from markupsafe import escape

from fava_fundbook.labels import label


def safe_next(target: str | None, default: str) -> str:
    """Where to go after logging in: a path on this server only (no scheme, no //host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_page(language: str, *, target: str, failed: bool) -> str:
    def t(key: str) -> str:
        return str(escape(label(key, language)))

    error = f'<p class="error" role="alert">{t("login_failed")}</p>' if failed else ""
    return f"""<!doctype html>
<html lang="{escape(language)}"><head><meta charset="utf-8">
<title>{t("login_title")}</title>
<style>
 body {{ font-family: sans-serif; max-width: 36em; margin: 4em auto; color: #222; }}
 input[type=password] {{ width: 100%; padding: 0.4em; font-family: monospace; }}
 button {{ margin-top: 1em; padding: 0.4em 1.2em; }}
 .error {{ color: #cf222e; font-weight: bold; }}
</style></head>
<body><h1>{t("login_title")}</h1>
<p>{t("login_hint")}</p>{error}
<form method="post" action="login" class="fundbook-login">
 <input type="hidden" name="next" value="{escape(target)}">
 <label>{t("token")}<br><input type="password" name="token" autocomplete="off" autofocus required></label>
 <br><button type="submit">{t("login")}</button>
</form></body></html>
"""
