"""Small fixes that keep the website's pages free of browser console errors.

* sphinx-thebe's configuration script is added to every page twice by Jupyter Book 1
  (once by the theme, once by the extension), and the second copy fails with
  "Identifier 'THEBE_JS_URL' has already been declared". Identical inline scripts are
  kept once.
* pydata-sphinx-theme logs "Got invalid theme mode" when no default colour mode is set;
  the book's default is "auto" (follow the reader's system setting).
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", str(script)) or ""  # inline scripts: None or ""
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def _theme_defaults(app, config):
    context = dict(config.html_context or {})
    context["default_mode"] = context.get("default_mode") or "auto"  # read by pydata-sphinx-theme's layout
    config.html_context = context


def setup(app):
    app.connect("config-inited", _theme_defaults, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
