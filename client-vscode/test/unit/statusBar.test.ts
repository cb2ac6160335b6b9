import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { Commands } from '../../src/common/constants';
import { describeStatus, UsageStatusBar } from '../../src/common/statusBar';
import { UsageStore } from '../../src/common/usageStore';
import { fake } from '../fake-vscode';
import { demoSummary, usageChanged, zeroTotals } from '../summaryFixture';

beforeEach(() => fake.reset());

test('the status bar shows the total cost with token figures in the tooltip; click opens the card', async () => {
    const store = new UsageStore();
    const bar = new UsageStatusBar(store);
    bar.configure('all', true);
    const item = fake.statusBarItems[0];
    assert.equal(item.command, Commands.showSummary);
    store.setServer('running', async (_m, p) => demoSummary(p.scope ?? 'all'));
    await store.refresh();
    assert.equal(item.text, '$(credit-card) $0.166');
    assert.match(item.tooltip, /Tokens in: 68,974 \(uncached 6,344, cache read 44,850, cache write 17,780\)/);
    assert.match(item.tooltip, /Tokens out: 3,635/);
    assert.match(item.tooltip, /Tasks: 2 · Requests: 8/);
    assert.equal(item.visible, true);
});

test('the figure follows the setting and live pushes', () => {
    const store = new UsageStore();
    const bar = new UsageStatusBar(store);
    const item = fake.statusBarItems[0];
    store.handleUsageChanged(usageChanged(7, { today: { ...zeroTotals(), cost: 0.0042, costExact: '0.0042' } }));
    bar.configure('today', true);
    assert.equal(item.text, '$(credit-card) $0.0042');
    assert.match(item.tooltip, /today/);
    store.handleUsageChanged(usageChanged(8, { current: { ...zeroTotals(), cost: 12.34, costExact: '12.34' } }));
    bar.configure('current', true);
    assert.equal(item.text, '$(credit-card) $12.34');
    bar.configure('current', false);
    assert.equal(item.visible, false);
});

test('a stopped server shows a warning, not a figure', () => {
    const view = describeStatus({ server: 'stopped', folders: [], message: 'python3 not found' }, undefined, 'all');
    assert.equal(view.text, '$(warning) Roo Usage');
    assert.match(view.tooltip, /python3 not found/);
});
