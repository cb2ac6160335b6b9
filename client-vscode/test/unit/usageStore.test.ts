import assert from 'node:assert/strict';
import { test } from 'node:test';
import { USAGE_SUMMARY, UsageSummary, UsageSummaryParams } from '../../src/common/protocol';
import { todayIn, UsageStore } from '../../src/common/usageStore';
import { demoSummary, usageChanged } from '../summaryFixture';

function recordingServer(respond: (params: UsageSummaryParams) => UsageSummary | Promise<UsageSummary> = (p) => demoSummary(p.scope ?? 'all')) {
    const calls: UsageSummaryParams[] = [];
    const request = async (method: string, params: UsageSummaryParams) => {
        assert.equal(method, USAGE_SUMMARY);
        calls.push(params);
        return respond(params);
    };
    return { calls, request };
}

test('a running server is asked for both scopes, and both are held', async () => {
    const store = new UsageStore();
    const server = recordingServer();
    store.setServer('running', server.request);
    await store.refresh();
    assert.deepEqual(server.calls.slice(0, 2), [{ scope: 'all' }, { scope: 'current' }]);
    assert.equal(store.snapshot.all?.scope, 'all');
    assert.equal(store.snapshot.current?.scope, 'current');
    assert.equal(store.snapshot.server, 'running');
});

test('before any push, today is fetched as a one-day summary in the server time zone', async () => {
    const store = new UsageStore();
    const server = recordingServer();
    store.setServer('running', server.request);
    await store.refresh();
    const day = todayIn('UTC');
    assert.deepEqual(server.calls[2], { scope: 'all', since: day, until: day });
    assert.equal(store.statusTotals('today')?.cost, 0.165987);
});

test('roo/usageChanged updates the status figures at once and refetches the summaries', async () => {
    const store = new UsageStore();
    let revision = 42;
    const server = recordingServer((p) => demoSummary(p.scope ?? 'all', revision));
    store.setServer('running', server.request);
    await store.refresh();
    server.calls.length = 0;

    revision = 43;
    const push = usageChanged(43, { all: { ...demoSummary().totals, cost: 0.2, costExact: '0.2' } });
    store.handleUsageChanged(push);
    assert.equal(store.statusTotals('all')?.cost, 0.2, 'from the push, before the summaries come back');
    assert.equal(store.statusTotals('today')?.cost, 0);
    await store.settled();
    assert.deepEqual(server.calls, [{ scope: 'all' }, { scope: 'current' }], 'no extra today request once pushes arrive');
    assert.equal(store.snapshot.all?.revision, 43);
});

test('overlapping refreshes coalesce into one more round', async () => {
    const store = new UsageStore();
    const gates: (() => void)[] = [];
    let gated = false;
    const server = recordingServer((p) => gated
        ? new Promise((resolve) => gates.push(() => resolve(demoSummary(p.scope ?? 'all'))))
        : demoSummary(p.scope ?? 'all'));
    store.handleUsageChanged(usageChanged(1)); // pushes carry today: no fallback requests
    store.setServer('running', server.request);
    await store.refresh();
    server.calls.length = 0;
    gated = true;
    const first = store.refresh();
    void store.refresh();
    void store.refresh();
    for (let i = 0; i < 50 && (server.calls.length < 4 || gates.length > 0); i++) {
        await new Promise((r) => setImmediate(r));
        gates.splice(0).forEach((open) => open());
    }
    await first;
    assert.equal(server.calls.length, 4, 'the running round plus one more, not three');
});

test('a failing request keeps the last figures and never throws', async () => {
    const store = new UsageStore();
    let fail = false;
    const server = recordingServer((p) => {
        if (fail) throw new Error('boom');
        return demoSummary(p.scope ?? 'all');
    });
    store.setServer('running', server.request);
    await store.refresh();
    fail = true;
    await store.refresh();
    assert.equal(store.snapshot.all?.totals.cost, 0.165987);
});

test('a stopped server keeps its message and stops requests', async () => {
    const store = new UsageStore();
    const server = recordingServer();
    store.setServer('stopped', server.request, 'not installed');
    await store.refresh();
    assert.equal(server.calls.length, 0);
    assert.equal(store.snapshot.message, 'not installed');
});

test('listeners see every change; folder names are shown by basename', () => {
    const store = new UsageStore();
    const seen: string[][] = [];
    store.onDidChange((s) => seen.push(s.folders));
    store.setFolders(['/home/dev/projects/acme-billing', '/srv/shop']);
    assert.deepEqual(seen.at(-1), ['acme-billing', 'shop']);
});
