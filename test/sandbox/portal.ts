/**
 * A stand-in for the Azure portal, so Open in Portal can be seen in the demo: the page at
 * `<armEndpoint>/portal/` shows the resource the extension asked for. The portal's address keeps
 * the resource in the fragment (`#@<tenant>/resource<id>`), which a browser never sends, so the
 * page reads it itself; it writes text only, never markup.
 */
import type * as http from 'node:http';

export const PORTAL_PATH = '/portal';

/** The page's script: fills #resource and #tenant from `hash`; exported so a test can run it without a browser. */
export function portalScript(): string {
    return `(function () {
    var hash = decodeURIComponent(location.hash.replace(/^#/, ''));
    var m = /^(?:@([^/]*))?\\/resource(\\/.*)$/.exec(hash);
    document.getElementById('resource').textContent = m ? m[2] : 'No resource was named in the address.';
    document.getElementById('tenant').textContent = m && m[1] ? m[1] : '(none)';
})();`;
}

export function portalPage(): string {
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox portal</title>
<style>body{font-family:system-ui,sans-serif;margin:3em;max-width:60em}code{word-break:break-all;font-size:1.1em}</style>
</head><body>
<h1>Sandbox portal</h1>
<p>The Azure portal would open this resource:</p>
<p><code id="resource"></code></p>
<p>Directory (tenant): <code id="tenant"></code></p>
<p>This page stands in for the portal of the sandbox cloud (<code>azureDisks.customCloud.portalEndpoint</code>).</p>
<script>${portalScript()}</script>
</body></html>`;
}

/** Answers GET /portal and /portal/…; false for any other path. */
export function servePortal(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (pathname !== PORTAL_PATH && !pathname.startsWith(`${PORTAL_PATH}/`)) return false;
    const html = portalPage();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
    res.end(html);
    return true;
}
