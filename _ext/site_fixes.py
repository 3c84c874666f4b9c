"""Small fixes that keep the website's pages free of browser console errors.

* sphinx-thebe's configuration script is added to every page twice by Jupyter Book 1
  (once by the theme, once by the extension), and the second copy fails with
  "Identifier 'THEBE_JS_URL' has already been declared". Identical inline scripts are
  kept once.
* pydata-sphinx-theme logs "Got invalid theme mode" when no default colour mode is set;
  the book's default is "auto" (follow the reader's system setting).
* Navigation: pydata-sphinx-theme 0.17's header (which sphinx-book-theme 1.3 leaves on the
  page) holds a second search field and hidden copies of the navigation and contents
  buttons. Both themes' scripts attach their click handlers to the *first* ``.primary-toggle``
  / ``.secondary-toggle`` of the page, that hidden copy, so the visible buttons in the
  article header did nothing (phone menu, contents, desktop sidebar toggle). A small script
  hides that header (one search field per page) and forwards a click on a visible button to
  the copy the themes listen to. ``tests/test_site.py`` clicks the buttons at 390 px and on
  a desktop width.
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


NAVIGATION_FIX = """
(function () {
  var style = document.createElement("style");
  style.textContent = "header.bd-header { display: none !important; }";
  document.head.appendChild(style);
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    ["primary-toggle", "secondary-toggle"].forEach(function (name) {
      var button = event.target.closest("." + name);
      var listened = document.querySelector("." + name);
      if (button && listened && button !== listened) {
        event.preventDefault();
        event.stopPropagation();
        listened.click();
      }
    });
  }, true);
})();
"""


def setup(app):
    app.add_js_file(None, body=NAVIGATION_FIX, priority=100)
    app.connect("config-inited", _theme_defaults, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
