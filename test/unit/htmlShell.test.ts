import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildHtml, contentSecurityPolicy } from '../../src/features/access/htmlShell';

const input = { cspSource: 'https://webview.example', nonce: 'abc123+/=', scriptUri: 'https://webview.example/dist/webview/main.js', styleUri: 'https://webview.example/dist/webview/main.css', title: 'Access: <d1>' };

test('the CSP allows only nonce scripts and styles, images and fonts from the webview source', () => {
    const csp = contentSecurityPolicy(input.cspSource, input.nonce);
    assert.equal(csp, "default-src 'none'; script-src 'nonce-abc123+/='; style-src https://webview.example; img-src https://webview.example; font-src https://webview.example");
    assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(csp));
});

test('the shell carries the CSP, one nonce script, the stylesheet, and no inline styles or handlers', () => {
    const html = buildHtml(input);
    assert.ok(html.includes(`content="${contentSecurityPolicy(input.cspSource, input.nonce).replace(/'/g, '&#39;')}"`));
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${input.nonce}"`) && scripts[0].includes(`src="${input.scriptUri}"`));
    assert.ok(html.includes(`<link rel="stylesheet" href="${input.styleUri}">`));
    assert.ok(!/\sstyle=|<style\b|\son[a-z]+=/i.test(html));
    assert.ok(html.includes('<title>Access: &lt;d1&gt;</title>'));
});
