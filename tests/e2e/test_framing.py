"""Frame protection in a real browser: a page on another origin may frame the public catalogue
embed, and nothing else of the portal."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _provider_site(portal: str) -> ThreadingHTTPServer:
    """A training provider's own website on another loopback origin, framing two portal pages."""
    body = (
        "<!DOCTYPE html><html><body>"
        f'<iframe id="embed" src="{portal}/catalogue/cooperative-solstice/?integre=1"></iframe>'
        f'<iframe id="login" src="{portal}/accounts/login/"></iframe>'
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_only_the_catalogue_embed_can_be_framed_by_another_site(browser, portal):
    site = _provider_site(portal)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    try:
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        page.wait_for_load_state("networkidle")
        embed = page.frame_locator("#embed")
        assert embed.locator("h1").inner_text() == "Les formations de Coopérative Solstice"
        login = page.frame_locator("#login")
        assert login.locator("form").count() == 0
        assert [text.strip() for text in refused if "Content Security Policy" in text] == [
            f"Framing '{portal}/' violates the following Content Security Policy directive: "
            "\"frame-ancestors 'none'\". The request has been blocked."
        ]
    finally:
        context.close()
        site.shutdown()
