import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNonce, renderCardHtml } from '../../src/webview/html';

test('the card HTML has a strict CSP with a nonce and no inline content', () => {
    const nonce = makeNonce();
    const html = renderCardHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/webview.js', styleUri: 'https://x/webview.css', nonce });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://x/webview.js"></script>`));
    assert.doesNotMatch(html, /<script(?![^>]*src=)/, 'no inline script');
    assert.doesNotMatch(html, /style="/, 'no style attributes');
});

test('nonces are long and fresh', () => {
    const a = makeNonce();
    assert.match(a, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(a, makeNonce());
});

test('injected values are escaped', () => {
    const html = renderCardHtml({ cspSource: 'x', scriptUri: '"><script>alert(1)</script>', styleUri: 's', nonce: 'n' });
    assert.doesNotMatch(html, /<script>alert/);
});
