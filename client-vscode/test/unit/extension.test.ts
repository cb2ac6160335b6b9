/** Activation wiring against the fake vscode module (the server command is missing on purpose). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Commands, SUMMARY_VIEW_ID } from '../../src/common/constants';
import { activate, deactivate } from '../../src/extension';
import { fake, Uri } from '../fake-vscode';

test('activation registers the view, commands and status bar; a missing server is one clear message', async () => {
    fake.reset();
    fake.config = { 'rooUsage.server.command': ['/nonexistent/bin/roo-usage', 'serve'] };
    const context = { subscriptions: [] as { dispose(): unknown }[], extensionUri: Uri.file('/ext') };
    await activate(context as never);
    for (const id of [Commands.openSummary, Commands.restartServer, Commands.showSummary, Commands.rescan, Commands.showOutput]) {
        assert.ok(fake.commands.has(id), id);
    }
    assert.ok(fake.viewProviders.has(SUMMARY_VIEW_ID));

    const item = fake.statusBarItems[0];
    for (let i = 0; i < 50 && item.text !== '$(warning) Roo Usage'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(item.text, '$(warning) Roo Usage');
    assert.equal(fake.errorMessages.length, 1);
    assert.match(fake.errorMessages[0], /"\/nonexistent\/bin\/roo-usage" was not found/);
    assert.ok(fake.logs.some((l) => l.includes('[error]') && l.includes('was not found')));

    // The card opened as a panel shows the same state.
    await fake.commands.get(Commands.openSummary)!();
    const panel = fake.panels[0];
    panel.webview.messages.fire({ type: 'ready' });
    assert.equal(panel.webview.posted.at(-1).state.server, 'stopped');

    // Restart Server runs again (and reports again: the user asked).
    await fake.commands.get(Commands.restartServer)!();
    assert.equal(fake.errorMessages.length, 2);

    // A settings change restarts the server (debounced).
    fake.setConfig({ 'rooUsage.server.command': ['/still/missing', 'serve'] });
    for (let i = 0; i < 100 && fake.errorMessages.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(fake.errorMessages[2], /"\/still\/missing" was not found/);

    // The status-bar setting applies without a restart.
    fake.setConfig({ 'rooUsage.statusBar.enabled': false });
    assert.equal(item.visible, false);

    for (const d of context.subscriptions) d.dispose();
    await deactivate();
});
