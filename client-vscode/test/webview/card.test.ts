/**
 * The card in real headless Chromium (Debian's /usr/bin/chromium via playwright-core). The page
 * is built by the extension's own renderCardHtml (with its CSP) and the bundled dist/webview.js;
 * state arrives by window.postMessage, exactly as VS Code delivers webview.postMessage.
 * Light, dark and high-contrast screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { makeNonce, renderCardHtml } from '../../src/webview/html';
import type { CardState, ToWebview } from '../../src/webview/messages';
import { USAGE_SUMMARY, UsageSummary } from '../../src/common/protocol';
import { DEMO_STORAGE, startServerSession, until } from '../serverSession';
import { DEMO_WORKSPACE, demoSummary, zeroTotals } from '../summaryFixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__CLIENT_ROOT__, 'test-artifacts');
const DIST = join(__CLIENT_ROOT__, 'dist');

/** Theme variables as VS Code sets them on <html> (a subset of Light+/Dark+/HC). */
const THEMES = {
    light: {
        bodyClass: 'vscode-light',
        vars: {
            '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-sideBar-background': '#f8f8f8',
            '--vscode-editor-background': '#ffffff', '--vscode-editorWidget-background': '#ffffff', '--vscode-widget-border': '#e5e5e5',
            '--vscode-charts-blue': '#1a85ff', '--vscode-focusBorder': '#005fb8', '--vscode-button-background': '#005fb8',
            '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#ffffff', '--vscode-textLink-foreground': '#005fb8',
            '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', '--vscode-font-size': '13px',
        },
    },
    dark: {
        bodyClass: 'vscode-dark',
        vars: {
            '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-sideBar-background': '#181818',
            '--vscode-editor-background': '#1f1f1f', '--vscode-editorWidget-background': '#202020', '--vscode-widget-border': '#313131',
            '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#0078d4', '--vscode-button-background': '#0078d4',
            '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#313131', '--vscode-textLink-foreground': '#4daafc',
            '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', '--vscode-font-size': '13px',
        },
    },
    'high-contrast': {
        bodyClass: 'vscode-high-contrast',
        vars: {
            '--vscode-foreground': '#ffffff', '--vscode-descriptionForeground': '#ffffff', '--vscode-sideBar-background': '#000000',
            '--vscode-editor-background': '#000000', '--vscode-editorWidget-background': '#0c141f', '--vscode-contrastBorder': '#6fc3df',
            '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#f38518', '--vscode-button-background': '#000000',
            '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#000000', '--vscode-textLink-foreground': '#21a6ff',
        },
    },
} as const;

let server: Server;
let origin = '';
let context: BrowserContext;
let userDataDir = '';
let page: Page;
let problems: string[] = [];
const requested: string[] = [];

before(async () => {
    // Required, not optional: without the browser this test must fail, not skip.
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
    assert.ok(existsSync(join(DIST, 'webview.js')), 'dist/webview.js missing: run npm run build first');
    mkdirSync(ARTIFACTS, { recursive: true });

    server = createServer((req, res) => {
        const url = req.url ?? '/';
        requested.push(url);
        if (url === '/') {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(renderCardHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, nonce: makeNonce() }));
        } else if (url === '/dist/webview.js' || url === '/dist/webview.css') {
            res.writeHead(200, { 'content-type': url.endsWith('.js') ? 'text/javascript' : 'text/css' });
            res.end(readFileSync(join(DIST, url.slice('/dist/'.length))));
        } else if (url === '/favicon.ico') {
            // The browser's own favicon probe (VS Code webviews have none): not the card's request.
            res.writeHead(204);
            res.end();
        } else {
            res.writeHead(404);
            res.end();
        }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    userDataDir = mkdtempSync(join(tmpdir(), 'roo-usage-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 380, height: 900 },
    });
    // The webview API VS Code injects; it records what the card posts back.
    await context.addInitScript(() => {
        const w = window as any;
        w.__posted = [];
        w.__csp = [];
        w.__loads = (w.__loads ?? 0) + 1;
        let saved: unknown;
        w.acquireVsCodeApi = () => ({
            postMessage: (m: unknown) => w.__posted.push(m),
            getState: () => saved,
            setState: (s: unknown) => { saved = s; },
        });
        document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
});

after(async () => {
    await context?.close();
    server?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

beforeEach(async () => {
    problems = [];
    page = await context.newPage();
    page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'ready'));
});

afterEach(async () => {
    const csp = await page.evaluate(() => (window as any).__csp as string[]);
    await page.close();
    assert.deepEqual(csp, [], 'no CSP violations');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
});

async function post(state: CardState): Promise<void> {
    const message: ToWebview = { type: 'state', state };
    await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function theme(name: keyof typeof THEMES): Promise<void> {
    const t = THEMES[name];
    await page.evaluate(({ bodyClass, vars }) => {
        document.body.className = bodyClass;
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    }, t as { bodyClass: string; vars: Record<string, string> });
}

function text(testId: string): Promise<string> {
    return page.locator(`[data-testid="${testId}"]`).innerText();
}

async function rows(testId: string): Promise<string[][]> {
    return page.locator(`[data-testid="${testId}"] tbody tr`).evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('th, td'), (c) => (c as HTMLElement).innerText.trim())));
}

/** A "current" summary that differs from "all", so the toggle visibly switches. */
function currentSummary() {
    const s = demoSummary('current');
    s.totals = { ...s.totals, cost: 0.0608505, costExact: '0.0608505', tokensIn: 20326, tokensOut: 1560, cacheReads: 14250, cacheWrites: 3530, tasks: 1, requests: 2 };
    s.byMode = s.byMode.filter((m) => m.mode === 'code');
    s.byWorkspace = [];
    s.byModel = [];
    s.byDay = [];
    return s;
}

const demoState = (): CardState => ({ server: 'running', all: demoSummary('all'), current: currentSummary(), folders: ['acme-billing'] });

test('the card renders the server figures of the demo data', async () => {
    await post(demoState());
    assert.equal(await text('total-cost'), '$0.166');
    assert.equal(await page.locator('[data-testid="total-cost"]').getAttribute('title'), '0.165987 USD');
    assert.equal(await text('tokens-in'), '68,974 in');
    assert.equal(await text('tokens-out'), '3,635 out');
    assert.equal(await text('cache-reads'), '44,850');
    assert.equal(await text('cache-writes'), '17,780 cache writes');
    assert.equal(await text('tasks'), '2');
    assert.match(await text('deleted-note'), /Deleted tasks still count/);
    assert.deepEqual(await rows('by-mode'), [
        ['Architect', '$0.0828', '28,538', '1,267'],
        ['Code', '$0.0609', '20,326', '1,560'],
        ['Debug', '$0.0223', '20,110', '808'],
    ]);
    assert.deepEqual(await rows('by-workspace'), [['acme-billing', '$0.166', '68,974', '3,635']]);
    assert.deepEqual(await rows('by-model'), [['anthropic/claude-sonnet-4.5', '$0.166', '68,974', '3,635']]);
    assert.equal(await page.locator('[data-testid="daily-chart"] rect.bar').count(), 1);
    assert.equal(await page.locator('#scope-label').innerText(), 'All workspaces');
    assert.equal(await page.locator('button[data-scope="all"]').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(requested.filter((u) => !['/', '/dist/webview.js', '/dist/webview.css', '/favicon.ico'].includes(u)), [], 'no other resources');
});

test('deleted tasks are counted and the card says so', async () => {
    const state = demoState();
    state.all!.totals.deletedTasks = 1;
    await post(state);
    assert.equal(await text('tasks'), '2');
    assert.equal(await text('deleted-note'), 'Includes 1 deleted task: usage of deleted tasks still counts.');
});

test('the Current/All toggle switches instantly by click', async () => {
    await post(demoState());
    await page.click('button[data-scope="current"]');
    // Synchronous re-render from the held summary: no waiting state in between.
    assert.equal(await page.locator('[data-testid="waiting"]').count(), 0);
    assert.equal(await text('total-cost'), '$0.0609');
    assert.equal(await page.locator('button[data-scope="current"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('button[data-scope="all"]').getAttribute('aria-pressed'), 'false');
    assert.equal(await page.locator('#scope-label').innerText(), 'Current: acme-billing');
    assert.equal(await page.locator('[data-testid="by-workspace"]').count(), 0, 'no workspace breakdown for Current');
    assert.deepEqual(await rows('by-mode'), [['Code', '$0.0609', '20,326', '1,560']]);
    const posted = await page.evaluate(() => (window as any).__posted);
    assert.deepEqual(posted.at(-1), { type: 'scope', scope: 'current' });
    await page.click('button[data-scope="all"]');
    assert.equal(await text('total-cost'), '$0.166');
});

test('the toggle is keyboard reachable (Tab, Space, Enter, arrows)', async () => {
    await post(demoState());
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-scope')), 'current');
    await page.keyboard.press('Space');
    assert.equal(await text('total-cost'), '$0.0609');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-scope')), 'all');
    assert.equal(await text('total-cost'), '$0.166');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('button[data-scope="current"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('.scope-toggle').getAttribute('role'), 'group');
});

test('the selected scope survives a live update, and updates need no reload', async () => {
    await post(demoState());
    await page.click('button[data-scope="current"]');
    const next = demoState();
    next.current!.totals.cost = 0.07;
    next.current!.revision = 43;
    await post(next);
    assert.equal(await text('total-cost'), '$0.07');
    assert.equal(await page.locator('button[data-scope="current"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => (window as any).__loads), 1);
});

test('server strings are shown as text, never as HTML', async () => {
    const state = demoState();
    state.all!.byMode[0].name = '<img src=x onerror="alert(1)">';
    state.all!.byWorkspace[0].name = '<script>alert(2)</script>';
    state.all!.byModel[0].model = '"><b>bold</b>';
    await post(state);
    assert.deepEqual((await rows('by-mode'))[0][0], '<img src=x onerror="alert(1)">');
    assert.deepEqual((await rows('by-workspace'))[0][0], '<script>alert(2)</script>');
    assert.equal(await page.locator('#content img, #content script, #content b').count(), 0);
});

test('no data: a calm zero state', async () => {
    const empty = demoSummary('all');
    empty.totals = zeroTotals();
    empty.byMode = [];
    empty.byWorkspace = [];
    empty.byModel = [];
    empty.byDay = [];
    await post({ server: 'running', all: empty, current: { ...empty, scope: 'current', workspaces: [DEMO_WORKSPACE] }, folders: ['acme-billing'] });
    assert.equal(await text('total-cost'), '$0.00');
    assert.match(await text('zero-state'), /No AI usage recorded yet/);
    assert.equal(await page.locator('table').count(), 0);
    await theme('light');
    await page.screenshot({ path: join(ARTIFACTS, 'card-zero-light.png'), fullPage: true });
});

test('before the first summary the card waits calmly; a stopped server offers a restart', async () => {
    assert.match(await text('waiting'), /Connecting/);
    await post({ server: 'stopped', message: 'Cannot start the Roo Usage server: "python3" was not found.', folders: [] });
    assert.match(await text('server-note'), /python3" was not found/);
    await page.getByRole('button', { name: 'Restart server' }).click();
    const posted = await page.evaluate(() => (window as any).__posted);
    assert.deepEqual(posted.at(-1), { type: 'command', command: 'restartServer' });
});

for (const name of ['light', 'dark', 'high-contrast'] as const) {
    test(`screenshot: ${name} theme`, async () => {
        await theme(name);
        await post(demoState());
        await page.screenshot({ path: join(ARTIFACTS, `card-${name}.png`), fullPage: true });
        if (name !== 'high-contrast') {
            await page.setViewportSize({ width: 760, height: 900 });
            await page.click('button[data-scope="current"]');
            await page.screenshot({ path: join(ARTIFACTS, `card-${name}-current-panel.png`), fullPage: true });
            await page.setViewportSize({ width: 380, height: 900 });
        }
        // The theme's colours really apply (not the fallbacks).
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, { light: 'rgb(248, 248, 248)', dark: 'rgb(24, 24, 24)', 'high-contrast': 'rgb(0, 0, 0)' }[name]);
    });
}

test('screenshots with the real server\'s summaries of the demo data', async () => {
    const session = await startServerSession(DEMO_STORAGE);
    try {
        const request = (scope: 'all' | 'current') => session.connection.sendRequest<UsageSummary>(USAGE_SUMMARY, { scope });
        // figures listed in server/roo_usage/demo/README.md
        const all = await until(session, 'the demo folder to be imported', async () => {
            const s = await request('all');
            return s.totals.requests >= 173 ? s : undefined;
        });
        const current = await request('current');
        assert.equal(all.totals.costExact, '23.7163014');
        assert.equal(current.totals.costExact, '9.4576977');
        for (const name of ['light', 'dark'] as const) {
            await theme(name);
            await post({ server: 'running', all, current, folders: ['acme-billing'] });
            assert.equal(await text('total-cost'), '$23.72');
            assert.equal(await text('tokens-in'), '11,208,599 in');
            assert.deepEqual((await rows('by-mode')).map((r) => r.slice(0, 2))[0], ['Code', '$16.20']);
            await page.screenshot({ path: join(ARTIFACTS, `card-demo-server-${name}.png`), fullPage: true });
            await page.click('button[data-scope="current"]');
            assert.equal(await text('total-cost'), '$9.46');
            await page.screenshot({ path: join(ARTIFACTS, `card-demo-server-${name}-current.png`), fullPage: true });
            await page.click('button[data-scope="all"]');
        }
    } finally {
        await session.stop();
    }
});
