/**
 * Wire test: the real Python server (`python -m roo_usage serve`), spoken to with vscode-jsonrpc
 * the way the extension's language client does: the same command line (resolveServerCommand),
 * the same initializationOptions (buildInitializationOptions), the same method names.
 *
 * The interpreter is $ROO_USAGE_PYTHON, default ../.venv/bin/python (relative to client-vscode).
 * Source data: a temporary copy of test/fixtures/roo (the demo folder).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import { RECORD_USAGE, USAGE_SUMMARY, UsageSummary } from '../../src/common/protocol';
import { resolveServerCommand } from '../../src/common/settings';
import { DEMO_WORKSPACE as WORKSPACE, PYTHON, ServerSession, startServerSession, until as untilIn } from '../serverSession';

const PARENT_TASK = '019bb695-5a80-73a1-8c2e-4f9b07d15a6c';

let session: ServerSession;

function close(actual: number, expected: number, what: string): void {
    assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined) => untilIn(session, what, probe);
const summary = (params: object) => session.connection.sendRequest<UsageSummary>(USAGE_SUMMARY, params);

before(async () => {
    assert.deepEqual(resolveServerCommand({ serverCommand: [], pythonPath: PYTHON }).args, ['-m', 'roo_usage', 'serve']);
    session = await startServerSession();
});

after(async () => {
    await session?.stop();
});

test('roo/usageSummary (all) reports the demo folder figures', async () => {
    const all = await until('the demo folder to be imported', async () => {
        const s = await summary({ scope: 'all' });
        return s.totals.requests >= 8 ? s : undefined;
    });
    assert.equal(all.scope, 'all');
    assert.equal(all.currency, 'USD');
    close(all.totals.cost, 0.165987, 'totals.cost');
    assert.equal(all.totals.costExact, '0.165987');
    assert.deepEqual(
        [all.totals.tokensIn, all.totals.tokensOut, all.totals.cacheReads, all.totals.cacheWrites, all.totals.tasks, all.totals.requests],
        [68974, 3635, 44850, 17780, 2, 8],
    );
    assert.equal(typeof all.totals.deletedTasks, 'number');
    const byMode = Object.fromEntries(all.byMode.map((m) => [m.mode, m.cost]));
    assert.deepEqual(Object.keys(byMode).sort(), ['architect', 'code', 'debug']);
    close(byMode.architect, 0.0827985, 'architect');
    close(byMode.code, 0.0608505, 'code');
    close(byMode.debug, 0.022338, 'debug');
    assert.deepEqual(all.byWorkspace.map((w) => w.workspace), [WORKSPACE]);
    assert.ok(all.byModel.length >= 1);
    assert.ok(all.byDay.length >= 1);
    assert.ok(all.byMode.every((m) => typeof m.name === 'string' && m.name.length > 0));
});

test('roo/usageSummary (current) uses the editor workspace folders from initialize', async () => {
    const current = await summary({ scope: 'current' });
    assert.equal(current.scope, 'current');
    assert.deepEqual(current.workspaces, [WORKSPACE]);
    close(current.totals.cost, 0.165987, 'current totals.cost');
});

test('invalid params are a -32602 error naming the field (the card keeps its figures)', async () => {
    await assert.rejects(summary({ scope: 'everything' }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, -32602);
        assert.match(error.message, /scope/);
        return true;
    });
});

test('a usage change is pushed as roo/usageChanged with all/current/today totals', async () => {
    const before = await summary({ scope: 'all' });
    const seen = session.pushes.length;
    const result = await session.connection.sendRequest<{ revision: number; requestsAdded: number }>(RECORD_USAGE, {
        source: 'roo-code',
        taskId: PARENT_TASK,
        workspace: WORKSPACE,
        requests: [{ ts: 1768295300000, tokensIn: 1000, tokensOut: 100, cacheWrites: 0, cacheReads: 0, cost: 0.0045, mode: 'code', model: 'anthropic/claude-sonnet-4.5', inputIncludesCache: true }],
    });
    assert.equal(result.requestsAdded, 1);
    assert.ok(result.revision > before.revision);

    const push = await until('a roo/usageChanged push', () => session.pushes.slice(seen).find((p) => p.revision >= result.revision));
    close(push.all.cost, 0.170487, 'push all.cost');
    assert.equal(push.all.requests, 9);
    assert.equal(push.all.tokensIn, 69974);
    close(push.current.cost, 0.170487, 'push current.cost');
    assert.deepEqual(push.workspaces, [WORKSPACE]);
    assert.equal(typeof push.today.cost, 'number');
    assert.equal(push.timeZone, 'UTC');

    // What the extension does on a push: fetch both summaries again.
    const [all, current] = await Promise.all([summary({ scope: 'all' }), summary({ scope: 'current' })]);
    close(all.totals.cost, 0.170487, 'summary after push');
    close(all.byMode.find((m) => m.mode === 'code')!.cost, 0.0653505, 'code after push');
    assert.ok(all.revision >= result.revision);
    close(current.totals.cost, 0.170487, 'current after push');
});
