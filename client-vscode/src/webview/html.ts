/**
 * The card's HTML shell, shared by the sidebar view, the editor panel and the Chromium test.
 * Content-Security-Policy: nothing but our own stylesheet and our own nonce'd script; all content
 * is built by the script with DOM APIs (textContent), never from HTML strings.
 */
import { CARD_TITLE } from '../common/constants';

export interface CardHtmlOptions {
    /** `webview.cspSource` (the origin webview resources are served from). */
    cspSource: string;
    scriptUri: string;
    styleUri: string;
    nonce: string;
}

export function renderCardHtml({ cspSource, scriptUri, styleUri, nonce }: CardHtmlOptions): string {
    const csp = [
        `default-src 'none'`,
        `style-src ${cspSource} 'nonce-${nonce}'`,
        `script-src 'nonce-${nonce}'`,
        `img-src ${cspSource} data:`,
        `font-src ${cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(styleUri)}" nonce="${escapeAttribute(nonce)}">
<title>${escapeAttribute(CARD_TITLE)}</title>
</head>
<body>
<main id="root" class="card" aria-busy="true"></main>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(scriptUri)}"></script>
</body>
</html>`;
}

/** A fresh random nonce per rendered page. */
export function makeNonce(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = new Uint8Array(32);
    globalThis.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function escapeAttribute(value: string): string {
    return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
