import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { Commands, SUMMARY_PANEL_TYPE } from '../../src/common/constants';
import { UsageStore } from '../../src/common/usageStore';
import { SummaryWebviews } from '../../src/webview/host';
import { fake, FakeWebview, Uri } from '../fake-vscode';
import { demoSummary } from '../summaryFixture';

beforeEach(() => fake.reset());

function resolveView(host: SummaryWebviews): FakeWebview {
    const webview = new FakeWebview();
    const view = { webview, onDidDispose: (_fn: () => void) => ({ dispose() {} }) };
    host.resolveWebviewView(view as never, {} as never, {} as never);
    return webview;
}

test('the view gets the card HTML with scripts enabled and resources limited to dist/', () => {
    const host = new SummaryWebviews(Uri.file('/ext') as never, new UsageStore());
    const webview = resolveView(host);
    assert.equal(webview.options.enableScripts, true);
    assert.deepEqual(webview.options.localResourceRoots.map(String), ['file:///ext/dist']);
    assert.match(webview.html, /src="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\.js"/);
    assert.match(webview.html, /style-src https:\/\/fake\.vscode-cdn\.net 'nonce-/);
});

test('on ready the card receives both summaries; store changes are pushed live', async () => {
    const store = new UsageStore();
    const host = new SummaryWebviews(Uri.file('/ext') as never, store);
    const webview = resolveView(host);
    webview.messages.fire({ type: 'ready' });
    assert.deepEqual(webview.posted.at(-1), { type: 'state', state: { server: 'starting', folders: [] } });

    store.setServer('running', async (_m, p) => demoSummary(p.scope ?? 'all'));
    await store.refresh();
    const last = webview.posted.at(-1);
    assert.equal(last.state.all.scope, 'all');
    assert.equal(last.state.current.scope, 'current');
    assert.equal(last.state.server, 'running');
});

test('card buttons run the extension commands', async () => {
    const host = new SummaryWebviews(Uri.file('/ext') as never, new UsageStore());
    const webview = resolveView(host);
    webview.messages.fire({ type: 'command', command: 'restartServer' });
    webview.messages.fire({ type: 'command', command: 'showOutput' });
    webview.messages.fire({ type: 'command', command: 'format disk' });
    assert.deepEqual(fake.executed.map((e) => e.command), [Commands.restartServer, Commands.showOutput]);
});

test('the panel opens once and is revealed afterwards; closing it detaches the webview', async () => {
    const store = new UsageStore();
    const host = new SummaryWebviews(Uri.file('/ext') as never, store);
    host.openPanel();
    host.openPanel();
    assert.equal(fake.panels.length, 1);
    const panel = fake.panels[0];
    assert.equal(panel.viewType, SUMMARY_PANEL_TYPE);
    assert.equal(panel.title, 'AI Inference Summary');
    assert.equal(panel.revealed, 1);
    panel.dispose();
    const before = panel.webview.posted.length;
    store.setFolders(['/x']);
    assert.equal(panel.webview.posted.length, before);
    host.openPanel();
    assert.equal(fake.panels.length, 2);
});
